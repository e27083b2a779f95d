import ArgumentParser
import Foundation
import LiteVL
import TerminalUI

/// `litevl [CLIP]`: the ncurses app.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open a clip in the terminal app (the default).")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The video clip to open (default: the bundled demo clip).")
    var clip: String?




    @Option(help: "Text-dependent pooling: on or off.")
    var pooling: AskCommand.Toggle = .on

    @Flag(help: "Plain ASCII drawing, no colour.")
    var ascii = false

    @Option(help: "Transcript file (JSON Lines) where every question and answer is saved as it happens. Default: ~/.local/state/litevl/history.jsonl")
    var history: String?

    @Option(name: .customLong("export-dir"), help: "Where `e` writes its litevl-export-<clip>-<time>/ directory. Default: the current directory.")
    var exportDirectory: String?

    func run() async throws {
        guard let clipPath = clip ?? Assets.defaultClip?.path else {
            printError("no clip given and no bundled demo clip found; pass a video file: litevl CLIP")
            throw ExitCode(1)
        }
        guard FileManager.default.fileExists(atPath: clipPath) else {
            printError("video not found: \(clipPath) (check the path)")
            throw ExitCode(1)
        }
        // The model is optional for the app: without one it still shows the clip and says why it cannot answer.
        let (answerer, problem): (VideoQuestionAnswerer?, String?)
        do { (answerer, problem) = try modelOptions.optionalAnswerer() } catch {
            printError(error.message)
            throw ExitCode(error.code)
        }
        let backend = LiteVLBackend(answerer: answerer, modelProblem: problem, frames: modelOptions.frames, pooling: pooling == .on)
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let options = TerminalAppOptions(ascii: ascii, noColor: noColor, historyFile: historyURL(), clip: clipPath,
                                         exportBase: exportDirectory.map { URL(fileURLWithPath: $0) })
        do {
            try await TerminalApp.run(backend: backend, options: options)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    func historyURL() -> URL? {
        if let history { return URL(fileURLWithPath: history) }
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? env["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".local/state") }
        guard let dir = base?.appendingPathComponent("litevl") else { return nil }
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("history.jsonl")
    }
}

/// `litevl smoke-tui`: draws a test screen with ncurses and waits for a key (used by the tmux smoke test).
struct SmokeTUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smoke-tui", abstract: "Draw an ncurses test screen.", shouldDisplay: false)

    func run() throws {
        try SmokeScreen.run()
    }
}
