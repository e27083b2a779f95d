import Foundation
import LiteVL
import TerminalUI

/// The app's backend that loads the bundled model in the background when first used, so that the
/// first screen does not wait for it (docs/tui.md, Latency). Names come from the models' `config.json` at once; every
/// call waits for the load and then goes to the loaded ``AppBackend``. If the load fails, the app
/// still opens clips and each question answers with the loader's reason (as with no model).
///
/// Used only when nothing was named on the command line: a `--model`, `--answers` or `--baseline` the
/// user gave must load before the app starts, or the command fails with its exit code.
final class DeferredBackend: QABackend, ClipLibraryBackend, CompareBackend, @unchecked Sendable {
    let modelName: String
    let baselineName: String?
    private let load: @Sendable () -> AppBackend
    private let lock = NSLock()
    private var loading: Task<AppBackend, Never>?

    /// `load` runs on another thread at the first call (the first clip is opened after the first screen
    /// is drawn, so loading does not compete with it for the CPU).
    init(modelName: String, baselineName: String?, load: @escaping @Sendable () -> AppBackend) {
        self.modelName = modelName
        self.baselineName = baselineName
        self.load = load
    }

    /// The name in a model directory's `config.json`, without loading the model.
    static func configName(_ directory: URL) -> String? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("config.json")) else { return nil }
        return (try? JSONDecoder().decode(LiteVLConfig.self, from: data))?.name
    }

    private var backend: AppBackend {
        get async {
            let task = lock.withLock {
                if let loading { return loading }
                let load = self.load
                // A thread of its own (not the cooperative pool, which the app loop shares).
                let task = Task<AppBackend, Never> {
                    await withCheckedContinuation { (done: CheckedContinuation<AppBackend, Never>) in
                        let thread = Thread {
                            LatencyTrace.shared?.mark("model-load")
                            let backend = load()
                            LatencyTrace.shared?.mark("model-loaded")
                            done.resume(returning: backend)
                        }
                        thread.stackSize = 8 << 20
                        thread.start()
                    }
                }
                loading = task
                return task
            }
            return await task.value
        }
    }

    var modelProblem: String? { nil }
    var baselineProblem: String? { baselineName == nil ? BaselineModel.notInstalledProblem : nil }

    func openClip(path: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip {
        try await backend.openClip(path: path, progress: progress)
    }
    func ask(_ question: String) async throws -> AnswerResult { try await backend.ask(question) }
    func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary {
        try await backend.export(session, to: directory)
    }
    func libraryClip(path: String) async throws -> LibraryClip { try await backend.libraryClip(path: path) }
    func rankLibrary(query: String, paths: [String]) async throws -> [LibraryMatch] {
        try await backend.rankLibrary(query: query, paths: paths)
    }
    func askBaseline(_ question: String) async throws -> AnswerResult { try await backend.askBaseline(question) }
}
