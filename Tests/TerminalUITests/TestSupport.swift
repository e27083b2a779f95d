import Foundation
@testable import TerminalUI

/// A scripted backend for tests only (the product has no fake answers).
final class ScriptedBackend: QABackend, @unchecked Sendable {
    let modelName = "TestModel"
    var modelProblem: String?
    let frames: Int
    let layers: Int
    var failAsk: Bool
    /// How long opening a clip takes (a slow encoder).
    let openDelay: Duration
    private let lock = NSLock()
    private var asked: [String] = []
    private var opened: [String] = []
    private var current: String?
    private var exports: [(SessionSnapshot, URL)] = []
    init(frames: Int = 8, layers: Int = 12, failAsk: Bool = false, openDelay: Duration = .zero) {
        self.frames = frames; self.layers = layers; self.failAsk = failAsk; self.openDelay = openDelay
    }
    var questions: [String] { lock.lock(); defer { lock.unlock() }; return asked }
    var openedPaths: [String] { lock.withLock { opened } }
    var exported: [(SessionSnapshot, URL)] { lock.withLock { exports } }
    /// Log of calls in order: "open x", "ask q@clip".
    private var calls: [String] = []
    var log: [String] { lock.withLock { calls } }

    struct Broken: Error, LocalizedError { var errorDescription: String? { "invalid data found when processing input" } }

    func openClip(path: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip {
        lock.withLock { opened.append(path); calls.append("open \(path)") }
        progress(0.1, "decoding")
        if openDelay > .zero { try? await Task.sleep(for: openDelay) }
        // Paths containing "broken" fail like an unreadable video; the previous clip stays current.
        if path.contains("broken") { throw Broken() }
        progress(0.5, "encoding")
        progress(1, "done")
        lock.withLock { current = path }
        let name = URL(fileURLWithPath: path).lastPathComponent
        var info = testClip(frames: frames)
        info.name = name; info.path = path
        return OpenedClip(info: info, frames: testFrames(frames), layerScales: testScales(layers))
    }

    struct Boom: Error, LocalizedError { var errorDescription: String? { "backend exploded" } }

    func ask(_ question: String) async throws -> AnswerResult {
        let clip = lock.withLock { () -> String in
            asked.append(question)
            let c = URL(fileURLWithPath: current ?? "none").lastPathComponent
            calls.append("ask \(question)@\(c)")
            return c
        }
        if failAsk { throw Boom() }
        return testAnswer(frames: frames, answer: "answer to " + question + " on " + clip)
    }

    func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary {
        lock.withLock { exports.append((session, directory)) }
        return ExportSummary(directory: directory, files: ["transcript.md", "transcript.json"])
    }
}

func testClip(frames: Int = 8) -> ClipInfo {
    ClipInfo(name: "bikes.mp4", durationSeconds: 12.5, width: 1280, height: 720, codec: "h264", frameCount: frames)
}

func gradientImage(width: Int = 32, height: Int = 18, seed: Int = 0) -> RGBImage {
    var px: [UInt8] = []
    for y in 0..<height { for x in 0..<width {
        px += [UInt8((x * 255 / max(1, width - 1) + seed * 30) % 256), UInt8(y * 255 / max(1, height - 1)), UInt8((seed * 40) % 256)]
    } }
    return RGBImage(width: width, height: height, pixels: px)
}

func testFrames(_ n: Int) -> [FrameThumbnail] {
    (0..<n).map { FrameThumbnail(timestamp: Double($0) * 1.5, image: gradientImage(seed: $0)) }
}

func testScales(_ n: Int) -> [Float] { (0..<n).map { Float(sin(Double($0))) } }

func testAnswer(frames: Int, layers: Int = 12, answer: String = "riding") -> AnswerResult {
    var w = (0..<frames).map { Float($0 + 1) }
    let s = w.reduce(0, +); w = w.map { $0 / s }
    let grid = 4
    let maps = (0..<layers).map { l in (0..<frames).map { f in (0..<(grid * grid)).map { Float(($0 + l + f) % 7) } } }
    return AnswerResult(answer: answer, candidates: [AnswerCandidate(answer, confidence: 0.7), AnswerCandidate("walking", confidence: 0.2),
                                                     AnswerCandidate("走路", confidence: 0.1)],
                        seconds: 0.42, temporalWeights: w, attention: AttentionMaps(gridWidth: grid, gridHeight: grid, values: maps))
}

/// A state with an opened clip and one answer.
func readyState(width: Int = 100, height: Int = 30, mode: ColorMode = .truecolor, answered: Bool = true) -> AppState {
    var s = AppState(size: TerminalSize(width: width, height: height),
                     capabilities: TerminalCapabilities(colorMode: mode, unicode: mode != .mono), modelName: "TestModel")
    _ = s.handle(.clipOpened(OpenedClip(info: testClip(), frames: testFrames(8), layerScales: testScales(12))))
    if answered {
        for c in "what happens?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answerStarted(id: 1, at: 0))
        _ = s.handle(.answered(id: 1, testAnswer(frames: 8)))
    }
    return s
}
