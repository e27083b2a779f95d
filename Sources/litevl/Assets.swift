import Foundation

/// Finds the files the program ships with (Assets/): the bundled model and the demo clip.
///
/// Looked up, in order: `$LITEVL_ASSETS`, an `Assets` folder beside or above the executable (a
/// build inside the repository), an `Assets` folder above the current directory.
enum Assets {
    static var directory: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["LITEVL_ASSETS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var starts: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()]
        starts.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        for start in starts {
            var dir = start
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("Assets")
                if fm.fileExists(atPath: candidate.appendingPathComponent("vocab.txt").path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// The bundled model directory.
    static var defaultModel: URL? { directory?.appendingPathComponent("models/litevl-tiny") }

    /// The clip the TUI opens when none is given: the first clip of the demo manifest
    /// (`clips/demo.jsonl`, the ShapesQA demo clips), else the Big Buck Bunny excerpt.
    static var defaultClip: URL? {
        guard let clips = directory?.appendingPathComponent("clips") else { return nil }
        if let manifest = try? String(contentsOf: clips.appendingPathComponent("demo.jsonl"), encoding: .utf8),
           let line = manifest.split(whereSeparator: \.isNewline).first,
           let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
           let video = object["video"] as? String {
            let url = clips.appendingPathComponent(video)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        let fallback = clips.appendingPathComponent("bigbuckbunny.mp4")
        return FileManager.default.fileExists(atPath: fallback.path) ? fallback : nil
    }
}

/// A failure reported as one line on standard error with a non-zero exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 1
}

/// Writes `litevl: <message>` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("litevl: \(message)\n".utf8))
}

/// Writes a line to standard error (progress and warnings, never mixed into JSON on stdout).
func printNote(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}
