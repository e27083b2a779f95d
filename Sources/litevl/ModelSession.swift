import Foundation
import LiteVL
import VideoDecoding

/// The model and the decoder together: loads a model directory, samples clips the way the model
/// expects (its frame count, input size and normalisation) and encodes them once each.
struct ModelSession {
    let answerer: VideoQuestionAnswerer
    let frames: Int
    var config: LiteVLConfig { answerer.model.config }

    /// Loads `--model DIR` (or the bundled model) with an optional answer list.
    init(model: String?, answers: String?, frames: Int?) throws(CommandFailure) {
        guard let dir = model.map({ URL(fileURLWithPath: $0) }) ?? Assets.defaultModel else {
            throw CommandFailure(message: "no model given and no bundled model found; pass --model DIR or set LITEVL_ASSETS to the Assets folder")
        }
        do {
            answerer = try VideoQuestionAnswerer.load(directory: dir, answersFile: answers.map { URL(fileURLWithPath: $0) })
        } catch let error as ModelError {
            throw CommandFailure(message: error.description, code: 2)
        } catch {
            throw CommandFailure(message: "cannot load the model in \(dir.path): \(error)", code: 2)
        }
        let t = frames ?? answerer.model.config.vision.numFrames
        guard (1...64).contains(t) else { throw CommandFailure(message: "--frames must be between 1 and 64, not \(t)", code: 64) }
        self.frames = t
    }

    /// Samples and normalises a clip for this model.
    func sample(_ path: String) throws(CommandFailure) -> SampledClip {
        let c = config
        let sampler = FrameSampler(count: frames, size: c.vision.imageSize,
                                   normalization: Normalization(mean: c.imageMean, std: c.imageStd))
        do { return try sampler.sample(path: path) } catch { throw CommandFailure(message: error.description, code: 1) }
    }

    /// Encodes a sampled clip (the video side, once per clip).
    func encode(_ clip: SampledClip) -> EncodedVideo {
        let s = config.vision.imageSize
        return answerer.encode(video: Tensor(shape: [clip.frames.count, 3, s, s], data: clip.tensor))
    }
}

/// Seconds since `start`.
func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
