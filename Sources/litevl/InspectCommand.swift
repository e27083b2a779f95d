import ArgumentParser
import Foundation
import LiteVL

/// `litevl inspect [--model DIR] [CLIP]`: what a model holds and, given a clip, its per-layer
/// temporal scaling for that clip.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a model; with a clip, show its temporal scaling s_l per layer.")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "Optional clip: print s_l per ViT layer for it.")
    var clip: String?


    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        do { try inspect() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    func inspect() throws(CommandFailure) {
        let session = try modelOptions.session()
        let m = session.answerer.model
        let c = m.config
        let parameters = m.weights.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        var object: [String: Any] = [
            "name": c.name, "tensors": m.weights.entries.count, "parameters": parameters,
            "vision": ["image_size": c.vision.imageSize, "patch_size": c.vision.patchSize, "width": c.vision.width,
                       "depth": c.vision.depth, "heads": c.vision.heads, "frames": c.vision.numFrames, "temporal": c.vision.temporal.rawValue],
            "text": ["hidden": c.text.hidden, "layers": c.text.layers, "heads": c.text.heads],
            "decoder": ["hidden": c.decoder.hidden, "layers": c.decoder.layers],
            "pooling": ["enabled": c.pooling.enabled, "tau": Double(c.pooling.tau)],
            "answers": session.answerer.answers,
        ]
        var scales: [Float] = []
        if let clip {
            let sampled = try session.sample(clip)
            scales = try session.encode(sampled).scales
            object["scales"] = scales.map(Double.init)
        }
        if json {
            print(try jsonText(object))
            return
        }
        print("\(c.name): \(parameters) parameters in \(m.weights.entries.count) tensors")
        print("  vision  \(c.vision.imageSize)px, patch \(c.vision.patchSize), width \(c.vision.width), depth \(c.vision.depth), \(c.vision.heads) heads, \(c.vision.numFrames) frames, temporal \(c.vision.temporal.rawValue)")
        print("  text    hidden \(c.text.hidden), \(c.text.layers) layers; decoder \(c.decoder.layers) layers")
        print("  pooling \(c.pooling.enabled ? "on" : "off"), tau \(c.pooling.tau); \(session.answerer.answers.count) candidate answers")
        if !scales.isEmpty {
            print("temporal scaling s_l for \(clip!):")
            for (l, s) in scales.enumerated() {
                let bar = String(repeating: s >= 0 ? "+" : "-", count: Int((min(abs(s), 1) * 30).rounded()))
                print(String(format: "  layer %2d  %+.3f  %@", l + 1, s, bar as NSString))
            }
        }
    }
}
