import Foundation
import LiteVL

/// Runs the built `litevl` executable and captures what it prints.
enum CLI {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static func clip(_ name: String) -> String { shared.appendingPathComponent("clips/\(name)").path }

    /// The `litevl` built next to the tests.
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("litevl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("litevl executable not found near \(Bundle.main.bundleURL.path); run `swift build --build-tests` first")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] }
    }

    /// Runs `litevl args…` with a time limit, standard input closed.
    static func run(_ args: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["LITEVL_ASSETS"] = repoRoot.appendingPathComponent("Assets").path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Output goes to files, so nothing blocks on a full pipe.
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("litevl-out-\(UUID().uuidString)"), errURL = tmp.appendingPathComponent("litevl-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let outData = (try? Data(contentsOf: outURL)) ?? Data(), errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A small model with the full BLIP vocabulary and deterministic random weights, written once per
    /// test run: it exercises every path of the program (its answers carry no meaning).
    static let randomModel: URL = writeRandomModel(folder: "litevl-cli-model", name: "random-tiny", temporal: .dynamic, seed: 7000)

    /// Writes a tiny random model (full BLIP vocabulary, 9 answers) to a per-process temporary folder.
    static func writeRandomModel(folder: String, name: String, temporal: LiteVLConfig.TemporalMode, seed: UInt64, frames: Int = 4) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(folder)-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = LiteVLConfig.Text(vocabSize: 30524, hidden: 32, layers: 2, heads: 2, intermediate: 64, maxPositions: 64, eps: 1e-12)
        var config = LiteVLConfig(
            name: name,
            vision: .init(imageSize: 32, patchSize: 8, width: 32, depth: 2, heads: 2, mlpDim: 64, eps: 1e-6, numFrames: frames, temporal: temporal),
            text: text, decoder: text, embedDim: 16)
        config.pooling.tau = 0.5
        try! JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        try! WeightRecipe.random(for: config, seed: seed).write(to: dir.appendingPathComponent("model.safetensors"))
        try! FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Assets/vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
        try! "circle\nsquare\ntriangle\nred\ngreen\nblue\nyellow\nyes\nno\n".write(to: dir.appendingPathComponent("answers.txt"), atomically: true, encoding: .utf8)
        return dir
    }
}
