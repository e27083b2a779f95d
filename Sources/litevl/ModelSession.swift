import ArgumentParser
import Foundation
import LiteVL
import VideoDecoding

/// The options every model-using command shares: `--model`, `--answers`, `--frames`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model directory (model.safetensors, config.json, vocab.txt). Default: the bundled model.")
    var model: String?

    @Option(help: "Candidate answers, one a line; ranked as BLIP's rank_answer does. Default: the model's answers.txt.")
    var answers: String?

    @Option(parsing: .unconditional, help: "Frames to sample (default: the model's).")
    var frames: Int?

    @Option(help: "Linear layers in f32, or bf16 (bfloat16 weights and activations, float32 accumulation; needs AVX512_BF16, else f32 with a note).")
    var precision: WeightPrecision = .float32

    /// The frame counts the engine samples (`--frames`, or a model's `vision.num_frames`).
    static let framesRange = 1...64

    /// A bad `--frames` ends the command before anything loads.
    func validate() throws {
        if let frames, !Self.framesRange.contains(frames) {
            throw ValidationError("--frames must be between \(Self.framesRange.lowerBound) and \(Self.framesRange.upperBound), not \(frames)")
        }
    }

    /// Loads the model these options name.
    func session() throws(CommandFailure) -> ModelSession {
        try ModelSession(model: model, answers: answers, frames: frames, precision: precision)
    }

    /// For the app and the demo, where the model is optional: the model, or nil and why not. A
    /// model or answer list the user named explicitly must load.
    func optionalAnswerer() throws(CommandFailure) -> (answerer: VideoQuestionAnswerer?, problem: String?) {
        do {
            return (try session().answerer, nil)
        } catch {
            if model != nil || answers != nil { throw error }
            return (nil, error.message)
        }
    }
}

/// The model and the decoder together: loads a model directory, samples clips the way the model
/// expects (its frame count, input size and normalisation) and encodes them once each.
struct ModelSession {
    let answerer: VideoQuestionAnswerer
    let frames: Int
    /// The model directory it was loaded from.
    let directory: URL
    var config: LiteVLConfig { answerer.model.config }

    /// Loads `--model DIR` (or the bundled model) with an optional answer list, its linear layers
    /// in `precision` (a note on standard error when bf16 falls back to f32).
    init(model: String?, answers: String?, frames: Int?, precision: WeightPrecision = .float32) throws(CommandFailure) {
        guard let dir = model.map({ URL(fileURLWithPath: $0) }) ?? Assets.defaultModel else {
            throw CommandFailure(message: "no model given and no bundled model found; pass --model DIR or set LITEVL_ASSETS to the Assets folder")
        }
        if model == nil && !FileManager.default.fileExists(atPath: dir.path) {
            throw CommandFailure(message: "no model given and the bundled model is not installed (\(dir.path) does not exist); pass --model DIR, or set LITEVL_ASSETS to the Assets folder", code: 2)
        }
        directory = dir
        do {
            answerer = try VideoQuestionAnswerer.load(directory: dir, answersFile: answers.map { URL(fileURLWithPath: $0) },
                                                      precision: precision)
        } catch let error as ModelError {
            throw CommandFailure(message: error.description, code: 2)
        } catch {
            throw CommandFailure(message: "cannot load the model in \(dir.path): \(error)", code: 2)
        }
        if let note = answerer.model.precisionFallbackNote { printNote(note) }
        // `--frames` was checked by `ModelOptions.validate`; a model's own count may still be out of range.
        let t = frames ?? answerer.model.config.vision.numFrames
        let range = ModelOptions.framesRange
        guard range.contains(t) else {
            throw CommandFailure(message: "\(dir.appendingPathComponent("config.json").path): vision.num_frames is \(t), but the engine samples \(range.lowerBound) to \(range.upperBound) frames (pass --frames N)", code: 2)
        }
        self.frames = t
    }

    /// Samples and normalises a clip for this model.
    func sample(_ path: String) throws(CommandFailure) -> SampledClip {
        let c = config
        let sampler = FrameSampler(count: frames, size: c.vision.imageSize, normalization: c.normalization)
        do { return try sampler.sample(path: path) } catch { throw CommandFailure(message: error.description, code: 1) }
    }

    /// Encodes a sampled clip (the video side, once per clip).
    func encode(_ clip: SampledClip) throws(CommandFailure) -> EncodedVideo {
        let s = config.vision.imageSize
        do { return try answerer.encode(video: Tensor(shape: [clip.frames.count, 3, s, s], data: clip.tensor)) } catch {
            throw CommandFailure(message: error.description, code: 2)
        }
    }
}

/// Seconds since `start`.
func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

extension LiteVLConfig {
    /// The pixel statistics the model's frames are normalised with (`image_mean`, `image_std`).
    var normalization: Normalization { Normalization(mean: imageMean, std: imageStd) }
}
