import Foundation

// The boundary between the terminal app and whatever answers questions. TerminalUI knows nothing of the
// model: the `litevl` executable implements `QABackend` over LiteVL + VideoDecoding and hands it to
// `TerminalApp.run(backend:options:)`.

/// What the status bar shows about the open clip.
public struct ClipInfo: Sendable, Equatable {
    public var name: String
    public var durationSeconds: Double
    public var width: Int
    public var height: Int
    public var codec: String
    /// Number of sampled frames T.
    public var frameCount: Int
    /// The path it was opened from ("" when unknown); the open prompt starts in its directory.
    public var path: String
    public init(name: String, durationSeconds: Double, width: Int, height: Int, codec: String, frameCount: Int,
                path: String = "") {
        self.name = name; self.durationSeconds = durationSeconds; self.width = width; self.height = height
        self.codec = codec; self.frameCount = frameCount; self.path = path
    }
}

/// An 8-bit RGB image, row-major, 3 bytes per pixel.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: pixels must hold width*height*3 bytes")
        self.width = width; self.height = height; self.pixels = pixels
    }
    public func pixel(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

/// One sampled frame: its time in the clip and a small picture of it (any size; e.g. the 224x224 model input).
public struct FrameThumbnail: Sendable, Equatable {
    public var timestamp: Double
    public var image: RGBImage
    public init(timestamp: Double, image: RGBImage) { self.timestamp = timestamp; self.image = image }
}

/// A candidate answer and its confidence in [0, 1].
public struct AnswerCandidate: Sendable, Equatable {
    public var text: String
    public var confidence: Float
    public init(_ text: String, confidence: Float) { self.text = text; self.confidence = confidence }
}

/// Attention of the text encoder's cross-attention for one question: `values[layer][frame]` is a
/// `gridHeight x gridWidth` map (row-major, e.g. 14x14 patches), any non-negative scale (normalised for display).
public struct AttentionMaps: Sendable, Equatable {
    public var gridWidth: Int
    public var gridHeight: Int
    public var values: [[[Float]]]
    public init(gridWidth: Int, gridHeight: Int, values: [[[Float]]]) {
        self.gridWidth = gridWidth; self.gridHeight = gridHeight; self.values = values
    }
    public static let empty = AttentionMaps(gridWidth: 0, gridHeight: 0, values: [])
    public var layerCount: Int { values.count }
    /// The map for (layer, frame), or nil when absent/malformed.
    public func map(layer: Int, frame: Int) -> [Float]? {
        guard layer >= 0, layer < values.count, frame >= 0, frame < values[layer].count else { return nil }
        let m = values[layer][frame]
        return m.count == gridWidth * gridHeight && !m.isEmpty ? m : nil
    }
}

/// The answer to one question.
public struct AnswerResult: Sendable, Equatable {
    public var answer: String
    /// Top candidates, best first.
    public var candidates: [AnswerCandidate]
    /// Wall time the backend took.
    public var seconds: Double
    /// Text-dependent temporal pooling weight per frame (sums to 1 when pooling is enabled; empty if disabled).
    public var temporalWeights: [Float]
    /// Cross-attention maps per text-encoder layer per frame.
    public var attention: AttentionMaps
    public init(answer: String, candidates: [AnswerCandidate], seconds: Double, temporalWeights: [Float],
                attention: AttentionMaps) {
        self.answer = answer; self.candidates = candidates; self.seconds = seconds
        self.temporalWeights = temporalWeights; self.attention = attention
    }

    /// How much each frame mattered ("where is the answer"), summing to 1: the pooling weights, or
    /// without pooling the share of the last layer's cross-attention on each frame (empty when
    /// neither is known).
    public var frameRelevance: [Double] {
        if !temporalWeights.isEmpty { return temporalWeights.map(Double.init) }
        guard let maps = attention.values.last else { return [] }
        let mass = maps.map { Double($0.reduce(0, +)) }
        let total = mass.reduce(0, +)
        return total > 0 ? mass.map { $0 / total } : []
    }

    /// Whether ``frameRelevance`` comes from attention (no pooling weights).
    public var relevanceIsAttention: Bool { temporalWeights.isEmpty }

    /// The frames most relevant first (``frameRelevance``); equal values in frame order.
    public var evidenceOrder: [Int] {
        let relevance = frameRelevance
        return relevance.indices.sorted { relevance[$0] != relevance[$1] ? relevance[$0] > relevance[$1] : $0 < $1 }
    }

    /// The frame with the largest pooling weight (the first of equals); nil without pooling.
    public var bestPooledFrame: Int? {
        temporalWeights.indices.max { temporalWeights[$0] < temporalWeights[$1] }
    }
}

/// What opening the clip yields.
public struct OpenedClip: Sendable, Equatable {
    public var info: ClipInfo
    public var frames: [FrameThumbnail]
    /// The learned temporal scaling s_l of each ViT layer for this clip, in [-1, 1].
    public var layerScales: [Float]
    /// What the decoder noticed (a truncated file, repeated frames), one line each.
    public var warnings: [String]
    public init(info: ClipInfo, frames: [FrameThumbnail], layerScales: [Float], warnings: [String] = []) {
        self.info = info; self.frames = frames; self.layerScales = layerScales; self.warnings = warnings
    }
}

/// The model side as the UI sees it. Calls come from background tasks, never from the UI loop, and
/// the UI never issues two calls at once (questions are queued), so an implementation may be a plain
/// final class, an actor, or anything Sendable.
public protocol QABackend: Sendable {
    /// Shown in the status bar, e.g. "LiteVL-S (MSRVTT-QA)".
    var modelName: String { get }
    /// Why there is no usable model, when there is none (the app still shows clips and says this at start).
    var modelProblem: String? { get }
    /// Decodes and encodes the clip at `path` and makes it the one questions are about.
    /// `progress(fraction in [0,1], what)` may be called from any thread. When it throws, the clip
    /// opened before (if any) must stay the current one: the app keeps showing and asking about it.
    func openClip(path: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip
    /// Answers one question about the current clip.
    func ask(_ question: String) async throws -> AnswerResult
    /// Writes the session (transcript, frames with their attention maps) into `directory` (created if
    /// needed); returns what was written, for the status line. The default says exporting is not available.
    func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary
}

extension QABackend {
    public var modelProblem: String? { nil }

    public func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary {
        throw ExportUnavailable()
    }
}

struct ExportUnavailable: Error, LocalizedError {
    var errorDescription: String? { "this backend cannot export sessions" }
}

/// Options the executable passes to the app.
public struct TerminalAppOptions: Sendable {
    /// Plain ASCII rendering, no colours (`--ascii`).
    public var ascii: Bool
    /// No colours (also switched on by a non-empty `NO_COLOR` environment variable).
    public var noColor: Bool
    /// JSON Lines transcript: every question (and answer/error) appended as it happens; questions re-read at
    /// start for Up/Down history. nil: history lives only in memory.
    public var historyFile: URL?
    /// How many candidates each answer shows.
    public var candidatesShown: Int
    /// The clip opened at start (nil: none; `o` opens one, or the demo script does).
    public var clip: String?
    /// Where `e` creates its `litevl-export-<clip>-<timestamp>/` directory (nil: the current directory).
    public var exportBase: URL?
    /// A scripted walkthrough played instead of waiting for the user (`litevl demo`); any key stops it.
    public var demo: DemoScript?
    /// A folder to show in the library view at start (`litevl --library DIR`).
    public var library: String?
    public init(ascii: Bool = false, noColor: Bool = false, historyFile: URL? = nil, candidatesShown: Int = 3,
                clip: String? = nil, exportBase: URL? = nil, demo: DemoScript? = nil, library: String? = nil) {
        self.ascii = ascii; self.noColor = noColor; self.historyFile = historyFile
        self.candidatesShown = candidatesShown; self.clip = clip; self.exportBase = exportBase; self.demo = demo
        self.library = library
    }
}
