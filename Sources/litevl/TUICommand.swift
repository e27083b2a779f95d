import ArgumentParser
import Foundation
import LiteVL
import TerminalUI

/// `litevl [CLIP]`: the ncurses app.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open a clip in the terminal app (the default).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var cacheOptions: CacheOptions

    @Argument(help: "The video clip to open (default: the bundled demo clip).")
    var clip: String?

    @Option(help: "Text-dependent pooling: on or off.")
    var pooling: AskCommand.Toggle = .on

    @Flag(help: "Plain ASCII drawing, no colour.")
    var ascii = false

    @Option(help: "Transcript file (JSON Lines) where every question and answer is saved as it happens. Default: $XDG_STATE_HOME/litevl/history.jsonl, else ~/.local/state/litevl/history.jsonl")
    var history: String?

    @Option(name: .customLong("export-dir"), help: "Where `e` writes its litevl-export-<clip>-<time>/ directory. Default: the current directory.")
    var exportDirectory: String?

    @Option(help: "Start in the library view (L) on this folder: its clips ranked as you type a description.")
    var library: String?

    @Option(help: "A second model for compare mode (c). Default: Assets/models/litevl-tiny-notemp when installed.")
    var baseline: String?

    func run() async throws {
        LatencyTrace.shared?.mark("main")
        guard let clipPath = clip ?? Assets.defaultClip?.path else {
            printError("no clip given and no bundled demo clip found; pass a video file: litevl CLIP")
            throw ExitCode(1)
        }
        guard FileManager.default.fileExists(atPath: clipPath) else {
            printError("video not found: \(clipPath) (check the path; 'litevl --help' lists the commands)")
            throw ExitCode(1)
        }
        if let library {
            // Checked before any model loads.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: library, isDirectory: &isDirectory) else {
                printError("library folder not found: \(library) (pass --library with a folder of videos)")
                throw ExitCode(1)
            }
            guard isDirectory.boolValue else {
                printError("\(library) is a file, not a folder (pass --library with a folder of videos)")
                throw ExitCode(1)
            }
        }
        let backend: any QABackend
        if let deferred = deferredBackend() {
            backend = deferred
        } else {
            // The model is optional for the app: without one it still shows the clip and says why it cannot answer.
            let (answerer, problem): (VideoQuestionAnswerer?, String?)
            do { (answerer, problem) = try modelOptions.optionalAnswerer() } catch {
                printError(error.message)
                throw ExitCode(error.code)
            }
            do { backend = try appBackend(answerer: answerer, problem: problem) } catch {
                printError(error.message)
                throw ExitCode(error.code)
            }
            LatencyTrace.shared?.mark("model-loaded")
        }
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let options = TerminalAppOptions(ascii: ascii, noColor: noColor, historyFile: historyURL(), clip: clipPath,
                                         exportBase: exportDirectory.map { URL(fileURLWithPath: $0) }, library: library)
        do {
            try await TerminalApp.run(backend: backend, options: options)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// With nothing named on the command line (bundled model and baseline, default frames, cache and
    /// library), the models load in the background while the first screen is drawn. Anything the user
    /// named must load first, so that a bad value ends the command with its exit code (and `--precision
    /// bf16`'s fallback note reaches standard error before the screen takes over the terminal).
    func deferredBackend() -> DeferredBackend? {
        guard modelOptions.model == nil, modelOptions.answers == nil, modelOptions.frames == nil, modelOptions.precision == .float32,
              baseline == nil,
              library == nil,
              let dir = Assets.defaultModel, let name = DeferredBackend.configName(dir) else { return nil }
        let baselineName = BaselineModel.defaultDirectory.flatMap(DeferredBackend.configName)
        return DeferredBackend(modelName: name, baselineName: baselineName) { [self] in
            let (answerer, problem): (VideoQuestionAnswerer?, String?)
            do { (answerer, problem) = try modelOptions.optionalAnswerer() } catch {
                (answerer, problem) = (nil, (error as? CommandFailure)?.message ?? "\(error)")
            }
            LatencyTrace.shared?.mark("answerer-loaded")
            do { return try appBackend(answerer: answerer, problem: problem) } catch {
                let message = (error as? CommandFailure)?.message ?? "\(error)"
                let base = LiteVLBackend(answerer: answerer, modelProblem: problem ?? message, frames: nil, pooling: pooling == .on)
                return AppBackend(base: base, index: nil, baseline: nil, baselineProblem: message)
            }
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

extension TUICommand {
    /// The model backend with the library (search features through the cache) and the baseline
    /// for compare mode. A baseline named with `--baseline` must load; the default one is optional.
    func appBackend(answerer: VideoQuestionAnswerer?, problem: String?) throws(CommandFailure) -> AppBackend {
        let base = LiteVLBackend(answerer: answerer, modelProblem: problem, frames: modelOptions.frames, pooling: pooling == .on)
        var index: ClipIndex?
        if let answerer, let dir = modelOptions.model.map({ URL(fileURLWithPath: $0) }) ?? Assets.defaultModel {
            index = ClipIndex(session: ModelSession(answerer: answerer, frames: modelOptions.frames, directory: dir), cache: cacheOptions.cache(),
                              collectsWarnings: true)
        }
        var baselineModel: BaselineModel?
        var baselineProblem: String?
        if let baseline {
            baselineModel = try BaselineModel(directory: baseline, answers: modelOptions.answers, frames: modelOptions.frames)
        } else if let dir = BaselineModel.defaultDirectory {
            do { baselineModel = try BaselineModel(directory: dir.path, answers: modelOptions.answers, frames: modelOptions.frames) } catch {
                baselineProblem = "the baseline model in \(dir.path) did not load: \(error.message)"
            }
        } else {
            baselineProblem = BaselineModel.notInstalledProblem
        }
        return AppBackend(base: base, index: index, baseline: baselineModel, baselineProblem: baselineProblem)
    }
}
