import Foundation
import LiteVL
import TerminalUI
import VideoDecoding

/// The terminal app's backend: decodes the clip with VideoDecoding, encodes it once with the
/// model, and answers questions with the text side only. Without a model it still opens the clip
/// (frames and metadata) and says why it cannot answer. Opening another clip replaces the current one
/// only when it succeeds: a broken file leaves the previous clip answerable.
final class LiteVLBackend: QABackend, @unchecked Sendable {
    let answerer: VideoQuestionAnswerer?
    let modelProblem: String?
    let frames: Int
    let pooling: Bool
    private let lock = NSLock()
    private var encoded: EncodedVideo?
    /// The open clip's frames as sampled for the model, so compare mode's baseline can reuse them.
    private var sampled: SampledInput?

    /// A clip's model input and how it was sampled.
    struct SampledInput {
        var path: String
        var clip: SampledClip
        var size: Int
        var normalization: Normalization
    }

    /// The open clip's sampled frames (nil before the first clip opens).
    var currentInput: SampledInput? { lock.withLock { sampled } }

    init(answerer: VideoQuestionAnswerer?, modelProblem: String?, frames: Int?, pooling: Bool) {
        self.answerer = answerer
        self.modelProblem = modelProblem
        self.frames = frames ?? answerer?.model.config.vision.numFrames ?? 8
        self.pooling = pooling
    }

    var modelName: String { answerer?.name ?? "no model" }

    func openClip(path clipPath: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip {
        // A missing, unreadable or non-file path fails in the sampler with the message `ask` gives.
        progress(0, "decoding \(URL(fileURLWithPath: clipPath).lastPathComponent)")
        let config = answerer?.model.config
        let size = config?.vision.imageSize ?? 224
        let normalization = config?.normalization ?? .blip
        let sampler = FrameSampler(count: frames, size: size, thumbnailMaxWidth: 320, thumbnailMaxHeight: 240, normalization: normalization)
        let clip: SampledClip
        do { clip = try sampler.sample(path: clipPath) } catch { throw BackendError(message: error.description) }
        let thumbnails = clip.frames.map {
            FrameThumbnail(timestamp: $0.timestamp, image: TerminalUI.RGBImage(width: $0.thumbnail.width, height: $0.thumbnail.height, pixels: $0.thumbnail.pixels))
        }
        let p = clip.probe
        let info = ClipInfo(name: URL(fileURLWithPath: clipPath).lastPathComponent, durationSeconds: p.duration,
                            width: p.displayWidth, height: p.displayHeight, codec: p.codec, frameCount: clip.frames.count,
                            path: clipPath)
        var scales: [Float] = []
        if let answerer {
            progress(0.5, "encoding \(clip.frames.count) frames with \(answerer.name)")
            let video: EncodedVideo
            do { video = try answerer.encode(video: Tensor(shape: [clip.frames.count, 3, size, size], data: clip.tensor)) } catch {
                throw BackendError(message: error.description)
            }
            scales = video.scales
            lock.withLock { encoded = video }
        }
        lock.withLock { sampled = SampledInput(path: clipPath, clip: clip, size: size, normalization: normalization) }
        progress(1, "ready")
        return OpenedClip(info: info, frames: thumbnails, layerScales: scales, warnings: clip.warnings)
    }

    func export(_ session: SessionSnapshot, to directory: URL) async throws -> ExportSummary {
        do { return try SessionExporter(session: session).write(to: directory) } catch {
            throw BackendError(message: error.description)
        }
    }

    func ask(_ question: String) async throws -> AnswerResult {
        guard let answerer else { throw BackendError(message: modelProblem ?? "no model loaded") }
        guard let video = lock.withLock({ encoded }) else { throw BackendError(message: "the clip is not encoded yet") }
        var options = VideoQuestionAnswerer.Options()
        options.pooling = pooling
        let r: VideoQuestionAnswerer.Result
        do { r = try answerer.ask(question, video: video, options: options) } catch { throw BackendError(message: "\(error)") }
        return AnswerResult(r)
    }
}

extension AnswerResult {
    /// The app's view of a model's answer: candidates with their probabilities, pooling weights, attention maps.
    init(_ r: VideoQuestionAnswerer.Result) {
        let g = r.gridSize
        self.init(answer: r.answer, candidates: r.candidates.map { AnswerCandidate($0.answer, confidence: $0.probability) },
                  seconds: r.seconds, temporalWeights: r.temporalWeights ?? [],
                  attention: AttentionMaps(gridWidth: g, gridHeight: g, values: r.attentionMaps))
    }
}

/// An error the app shows as one line.
struct BackendError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
