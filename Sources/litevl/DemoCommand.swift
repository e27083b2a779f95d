import ArgumentParser
import Foundation
import LiteVL
import TerminalUI

/// `litevl demo`: a scripted walkthrough of the app on the bundled demo clips, for showing LiteVL
/// without typing: questions typed out, answers, frames browsed with the attention overlay.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Play a scripted walkthrough of the app on the bundled demo clips (any key stops it).")

    @OptionGroup var modelOptions: ModelOptions



    @Option(help: "Questions (JSON Lines with \"video\" and \"question\", videos relative to the file). Default: Assets/clips/demo.jsonl.")
    var manifest: String?

    @Option(parsing: .unconditional, help: "Questions asked per clip.")
    var questions = 3

    @Option(parsing: .unconditional, help: "Clips shown (default: all of the manifest's).")
    var clips: Int?

    @Option(parsing: .unconditional, help: "Playback speed: 2 is twice as fast.")
    var speed = 1.0

    @Flag(help: "Start over at the end, until a key is pressed.")
    var loop = false

    @Flag(help: "Plain ASCII drawing, no colour.")
    var ascii = false

    /// Questions used when there is no manifest.
    static let builtInQuestions = ["what is happening in the video?", "how many objects are there?", "what color is the square?"]

    func validate() throws {
        guard questions >= 1 else { throw ValidationError("--questions must be at least 1") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be positive") }
        if let clips, clips < 1 { throw ValidationError("--clips must be at least 1") }
    }

    func run() async throws {
        var plan: [DemoScript.Clip]
        do { plan = try Self.plan(manifest: manifest, questionsPerClip: questions) } catch {
            printError(error.message); throw ExitCode(error.code)
        }
        if let clips { plan = Array(plan.prefix(clips)) }
        guard !plan.isEmpty else {
            printError("no demo clips found; pass --manifest FILE or set LITEVL_ASSETS to the Assets folder")
            throw ExitCode(1)
        }
        // The walkthrough still shows the clips without a model, and says why it cannot answer.
        let (answerer, problem): (VideoQuestionAnswerer?, String?)
        do { (answerer, problem) = try modelOptions.optionalAnswerer() } catch {
            printError(error.message)
            throw ExitCode(error.code)
        }
        let backend = LiteVLBackend(answerer: answerer, modelProblem: problem, frames: modelOptions.frames, pooling: true)
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let script = DemoScript.walkthrough(plan, frameCount: backend.frames, loop: loop, speed: speed)
        // The demo's questions do not go into the user's history.
        let options = TerminalAppOptions(ascii: ascii, noColor: noColor, historyFile: nil, demo: script)
        do {
            try await TerminalApp.run(backend: backend, options: options)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// Clips and questions from the manifest (grouped by video, in order of first appearance), or the bundled
    /// demo clip with built-in questions when there is no manifest.
    static func plan(manifest: String?, questionsPerClip: Int) throws(CommandFailure) -> [DemoScript.Clip] {
        let path = manifest ?? Assets.directory.map { $0.appendingPathComponent("clips/demo.jsonl").path }
            .flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        guard let path else {
            guard let clip = Assets.defaultClip else { return [] }
            return [DemoScript.Clip(path: clip.path, questions: Array(builtInQuestions.prefix(questionsPerClip)))]
        }
        var order: [String] = []
        var byVideo: [String: [String]] = [:]
        for item in try Manifest.read(path, answers: .optional) {
            if byVideo[item.video] == nil { order.append(item.video) }
            byVideo[item.video, default: []].append(item.question)
        }
        return order.filter { FileManager.default.fileExists(atPath: $0) }
            .map { DemoScript.Clip(path: $0, questions: Array(byVideo[$0, default: []].prefix(questionsPerClip))) }
    }
}
