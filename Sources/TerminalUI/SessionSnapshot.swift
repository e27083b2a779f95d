import Foundation

/// Everything `e` exports: the session as the app saw it when the key was pressed. The executable turns
/// it into files (`QABackend.export(_:to:)`); TerminalUI only gathers it and names the directory.
public struct SessionSnapshot: Sendable, Equatable {
    /// One question of the session and what became of it.
    public struct Entry: Sendable, Equatable {
        public var question: String
        /// The clip the question was about (nil before any clip opened).
        public var clip: String?
        /// Its answer, when it has one.
        public var result: AnswerResult?
        /// Why it has none (failed, or still pending when exported).
        public var error: String?
        /// Whether it is about the clip whose frames are in the snapshot (its maps fit those frames).
        public var aboutShownClip: Bool
        /// The baseline model's answer, when compare mode was on for this question.
        public var baseline: BaselineStatus?
        public init(question: String, clip: String?, result: AnswerResult?, error: String?, aboutShownClip: Bool,
                    baseline: BaselineStatus? = nil) {
            self.question = question; self.clip = clip; self.result = result; self.error = error
            self.aboutShownClip = aboutShownClip; self.baseline = baseline
        }
    }

    public var createdAt: Date
    public var modelName: String
    /// The compare-mode model's name, when there is one.
    public var baselineName: String?
    public var clip: ClipInfo?
    public var frames: [FrameThumbnail]
    public var layerScales: [Float]
    public var entries: [Entry]
    /// The cross-attention layer shown in the app (0-based), used for the exported overlays.
    public var attentionLayer: Int?

    public init(createdAt: Date = Date(), modelName: String, clip: ClipInfo?, frames: [FrameThumbnail],
                layerScales: [Float], entries: [Entry], attentionLayer: Int?) {
        self.createdAt = createdAt; self.modelName = modelName; self.clip = clip; self.frames = frames
        self.layerScales = layerScales; self.entries = entries; self.attentionLayer = attentionLayer
    }

    /// `litevl-export-<clip stem>-<yyyyMMdd-HHmmss>`, safe as a file name.
    public var defaultDirectoryName: String {
        let stem = clip.map { URL(fileURLWithPath: $0.name).deletingPathExtension().lastPathComponent } ?? "session"
        let safe = String(stem.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(60))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "litevl-export-\(safe.isEmpty ? "session" : safe)-\(f.string(from: createdAt))"
    }
}

/// What an export wrote.
public struct ExportSummary: Sendable, Equatable {
    public var directory: URL
    public var files: [String]
    public init(directory: URL, files: [String]) { self.directory = directory; self.files = files }
}
