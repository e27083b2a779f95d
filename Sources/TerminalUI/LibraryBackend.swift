import Foundation

/// One clip of the library view, once the backend has its search features.
public struct LibraryClip: Sendable, Equatable {
    public var path: String
    /// A small picture of the clip (its middle frame); nil when there is none.
    public var thumbnail: RGBImage?
    public var durationSeconds: Double
    /// True when its features came from the on-disk cache (nothing was decoded).
    public var fromCache: Bool
    /// A warning that came with it (the feature cache could not be written), shown in the status bar.
    public var warning: String?
    public init(path: String, thumbnail: RGBImage?, durationSeconds: Double, fromCache: Bool, warning: String? = nil) {
        self.path = path; self.thumbnail = thumbnail; self.durationSeconds = durationSeconds; self.fromCache = fromCache
        self.warning = warning
    }
}

/// How well one clip matches a query.
public struct LibraryMatch: Sendable, Equatable {
    public var path: String
    /// The retrieval score (ITC with text-dependent pooling, in [-1, 1]).
    public var score: Float
    /// When the best-matching frame is shown, in seconds.
    public var timestamp: Double
    public init(path: String, score: Float, timestamp: Double) {
        self.path = path; self.score = score; self.timestamp = timestamp
    }
}

/// A backend that can rank a folder of clips by a text (the library view, `L`). Optional: the
/// app checks `backend as? any ClipLibraryBackend` and says so when it is missing.
public protocol ClipLibraryBackend: Sendable {
    /// Loads (from a cache) or computes the search features of one clip. Called from a
    /// background task, one clip at a time, possibly while questions are being answered.
    func libraryClip(path: String) async throws -> LibraryClip
    /// Scores the given clips (all loaded before with ``libraryClip(path:)``) against `query`.
    func rankLibrary(query: String, paths: [String]) async throws -> [LibraryMatch]
}

/// A backend with a second model that answers the same questions (compare mode, `c`). Optional:
/// the app checks `backend as? any CompareBackend`.
public protocol CompareBackend: Sendable {
    /// The second model's name, or nil when there is none.
    var baselineName: String? { get }
    /// Why there is no second model (shown when `c` is pressed), when there is none.
    var baselineProblem: String? { get }
    /// Answers one question about the current clip with the second model.
    func askBaseline(_ question: String) async throws -> AnswerResult
}
