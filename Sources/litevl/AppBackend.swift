import Foundation
import LiteVL
import TerminalUI
import VideoDecoding

/// The app's backend with search and compare: ``LiteVLBackend`` for opening clips and answering,
/// plus the library view's ranking (``ClipIndex``, through the feature cache) and a baseline model
/// that answers the same questions in compare mode.
final class AppBackend: QABackend, ClipLibraryBackend, CompareBackend, @unchecked Sendable {
    let base: LiteVLBackend
    let index: ClipIndex?
    let baseline: BaselineModel?
    let baselineProblem: String?
    private let lock = NSLock()
    private var currentPath: String?
    /// Counts successful opens: the baseline's encoding is of one opened clip, even when a later open
    /// names the same path (the file may have changed).
    private var openCount = 0
    private var baselineVideo: (open: Int, video: EncodedVideo)?

    init(base: LiteVLBackend, index: ClipIndex?, baseline: BaselineModel?, baselineProblem: String?) {
        self.base = base
        self.index = index
        self.baseline = baseline
        self.baselineProblem = baseline == nil ? baselineProblem : nil
    }

    // MARK: QABackend

    var modelName: String { base.modelName }
    var modelProblem: String? { base.modelProblem }

    func openClip(path: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip {
        let opened = try await base.openClip(path: path, progress: progress)
        // The baseline's encoding belongs to the clip as it was: re-opening a path whose file changed
        // must not answer about the old one.
        lock.withLock { currentPath = path; openCount += 1; baselineVideo = nil }
        return opened
    }

    func ask(_ question: String) async throws -> AnswerResult { try await base.ask(question) }

    func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary {
        try await base.export(session, to: directory)
    }

    // MARK: ClipLibraryBackend

    func libraryClip(path: String) async throws -> LibraryClip {
        guard let index else { throw BackendError(message: base.modelProblem ?? "no model loaded") }
        let before = index.counts.decoded
        let f: ClipFeatures
        do { f = try index.features(path: path) } catch { throw BackendError(message: error.message) }
        index.flush()
        let thumbnail = f.thumbnailWidth > 0 && f.thumbnailHeight > 0
            ? TerminalUI.RGBImage(width: f.thumbnailWidth, height: f.thumbnailHeight, pixels: f.thumbnail) : nil
        return LibraryClip(path: path, thumbnail: thumbnail, durationSeconds: f.duration, fromCache: index.counts.decoded == before,
                           warning: index.takeWarning())
    }

    func rankLibrary(query: String, paths: [String]) async throws -> [LibraryMatch] {
        guard let index else { throw BackendError(message: base.modelProblem ?? "no model loaded") }
        let q: TextVideoRetriever.Query
        do { q = try index.retriever.query(query) } catch { throw BackendError(message: error.description) }
        return paths.compactMap { path in
            guard let f = try? index.features(path: path) else { return nil }
            let s = index.retriever.similarity(q, frameEmbeddings: f.frameEmbeddings)
            return LibraryMatch(path: path, score: s.score, timestamp: f.timestamps[s.bestFrame])
        }
    }

    // MARK: CompareBackend

    var baselineName: String? { baseline?.session.config.name }

    func askBaseline(_ question: String) async throws -> AnswerResult {
        guard let baseline else { throw BackendError(message: baselineProblem ?? "no baseline model") }
        let (current, open) = lock.withLock { (currentPath, openCount) }
        guard let path = current else { throw BackendError(message: "no clip is open") }
        var video = lock.withLock { baselineVideo?.open == open ? baselineVideo?.video : nil }
        if video == nil {
            // The main model's frames when the baseline samples clips the same way: the clip is not decoded again.
            let input = base.currentInput.flatMap { $0.path == path ? $0 : nil }
            let reused = input.flatMap { baseline.accepts($0.clip, size: $0.size, normalization: $0.normalization) ? $0.clip : nil }
            let encoded: EncodedVideo
            do throws(CommandFailure) {
                let clip = if let reused { reused } else { try baseline.session.sample(path) }
                encoded = try baseline.session.encode(clip)
            } catch { throw BackendError(message: error.message) }
            lock.withLock { if openCount == open { baselineVideo = (open, encoded) } }
            video = encoded
        }
        var options = VideoQuestionAnswerer.Options()
        options.pooling = base.pooling
        let r: VideoQuestionAnswerer.Result
        do { r = try baseline.session.answerer.ask(question, video: video!, options: options) } catch { throw BackendError(message: "\(error)") }
        return AnswerResult(r)
    }
}

extension ModelSession {
    /// A session over an already loaded model.
    init(answerer: VideoQuestionAnswerer, frames: Int?, directory: URL) {
        self.answerer = answerer
        self.frames = frames ?? answerer.model.config.vision.numFrames
        self.directory = directory
    }
}
