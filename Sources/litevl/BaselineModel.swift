import Foundation
import LiteVL
import VideoDecoding

/// A second model answering the same questions for comparison (`ask --baseline DIR`, the app's
/// compare mode): typically LiteVL without temporal attention (`Assets/models/litevl-tiny-notemp`).
struct BaselineModel {
    let session: ModelSession

    /// Loads `directory` with the same answer list and frame count options as the main model.
    init(directory: String, answers: String?, frames: Int?) throws(CommandFailure) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure(message: "baseline model not found: \(directory) (pass --baseline with a model directory)", code: 2)
        }
        session = try ModelSession(model: directory, answers: answers, frames: frames)
    }

    /// The default baseline: `Assets/models/litevl-tiny-notemp`, when it exists.
    static var defaultDirectory: URL? {
        guard let dir = Assets.directory?.appendingPathComponent("models/litevl-tiny-notemp"),
              FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else { return nil }
        return dir
    }

    /// Why compare mode has no baseline when none was named and the default is not installed.
    static let notInstalledProblem = "no baseline model (Assets/models/litevl-tiny-notemp is not installed); start with --baseline DIR"

    /// Whether `clip`, sampled at `size` with `normalization`, is exactly what this model would sample.
    func accepts(_ clip: SampledClip, size: Int, normalization: Normalization) -> Bool {
        clip.frames.count == session.frames && size == session.config.vision.imageSize && normalization == session.config.normalization
    }

    /// Encodes the clip for the baseline, reusing `clip` when it was sampled the way this model wants.
    func encode(path: String, sampled clip: SampledClip, by main: ModelSession) throws(CommandFailure) -> (SampledClip, EncodedVideo) {
        let own = accepts(clip, size: main.config.vision.imageSize, normalization: main.config.normalization) ? clip : try session.sample(path)
        return (own, try session.encode(own))
    }
}

/// JSON for "where is the answer": the frames ranked by pooling weight and attention, with timestamps.
func evidenceJSON(_ result: VideoQuestionAnswerer.Result, timestamps: [Double]) -> [[String: Any]] {
    result.frameEvidence.map { e in
        var entry: [String: Any] = ["frame": e.frame]
        entry["timestamp"] = e.frame < timestamps.count ? timestamps[e.frame] : NSNull()
        entry["pooling_weight"] = e.poolingWeight.map { Double($0) } ?? NSNull()
        entry["attention"] = e.attention.map { Double($0) } ?? NSNull()
        return entry
    }
}
