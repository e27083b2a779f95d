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
            // Through the Float's shortest decimal, so 0.07 prints as 0.07 (not 0.07000000029802322).
            "pooling": ["enabled": c.pooling.enabled, "tau": Double("\(c.pooling.tau)") ?? Double(c.pooling.tau)],
            "answers": session.answerer.answers,
        ]
        var scales: [Float] = []
        if let clip {
            let sampled = try session.sample(clip)
            for warning in sampled.warnings { printNote("litevl: warning: \(warning)") }
            scales = try session.encode(sampled).scales
            object["scales"] = scales.map(Double.init)
            object["warnings"] = sampled.warnings
        }
        if json {
            print(try jsonText(object))
            return
        }
        printText("\(c.name): \(parameters) parameters in \(m.weights.entries.count) tensors")
        printText("  vision  \(c.vision.imageSize)px, patch \(c.vision.patchSize), width \(c.vision.width), depth \(c.vision.depth), \(c.vision.heads) heads, \(c.vision.numFrames) frames, temporal \(c.vision.temporal.rawValue)")
        printText("  text    hidden \(c.text.hidden), \(c.text.layers) layers; decoder \(c.decoder.layers) layers")
        let answers = session.answerer.answers.isEmpty ? "no answer list (answers are generated)" : "\(session.answerer.answers.count) candidate answers"
        printText("  pooling \(c.pooling.enabled ? "on" : "off"), tau \(c.pooling.tau); \(answers)")
        if let clip, scales.isEmpty {
            printText("no temporal scaling for \(clip): the model has no temporal branch (temporal \(c.vision.temporal.rawValue))")
        }
        if !scales.isEmpty {
            printText("temporal scaling s_l for \(clip!):")
            for (l, s) in scales.enumerated() {
                let bar = String(repeating: s >= 0 ? "+" : "-", count: Int((min(abs(s), 1) * 30).rounded()))
                printText(String(format: "  layer %2d  %+.3f  %@", l + 1, s, bar as NSString))
            }
        }
    }
}
