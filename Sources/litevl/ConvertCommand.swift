import ArgumentParser
import Foundation
import LiteVL
import enum TerminalUI.FileProblem

/// `litevl convert CHECKPOINT.pth --out DIR`: turns a BLIP or LiteVL PyTorch checkpoint into a
/// model directory, with no Python (docs/checkpoints.md).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert a BLIP or LiteVL PyTorch checkpoint (.pth) into a model directory.")

    @Argument(help: "The checkpoint written by torch.save (e.g. model_base_vqa_capfilt_large.pth).")
    var checkpoint: String

    @Option(help: "The model directory to write (model.safetensors, config.json, vocab.txt, answers.txt).")
    var out: String

    @Option(name: .customLong("image-size"), parsing: .unconditional, help: "Input size in pixels; pos_embed is resampled bicubically. Default: the checkpoint's.")
    var imageSize: Int?

    @Option(parsing: .unconditional, help: "Frames of the temporal position embedding (default: the checkpoint's, else 8).")
    var frames: Int?

    @Option(help: "Temporal branch: dynamic, fixed or none (default: the checkpoint's; dynamic for BLIP image checkpoints).")
    var temporal: LiteVLConfig.TemporalMode?

    @Option(help: "Text-dependent pooling in the written config: on or off.")
    var pooling: AskCommand.Toggle = .on

    @Option(parsing: .unconditional, help: "Attention heads of ViT and BERT (default: width / 64, as BLIP).")
    var heads: Int?

    @Option(help: "The vocabulary to copy (default: the bundled bert-base-uncased vocab.txt).")
    var vocab: String?

    @Option(help: "Candidate answers, one a line, copied to answers.txt.")
    var answers: String?

    @Option(help: "The model's name in config.json.")
    var name: String?

    func run() throws {
        do { try convert() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    func convert() throws(CommandFailure) {
        let start = DispatchTime.now()
        if let imageSize, !(16...4096).contains(imageSize) { throw CommandFailure(message: "--image-size must be between 16 and 4096, not \(imageSize)", code: 64) }
        if let frames, !ModelOptions.framesRange.contains(frames) {
            throw CommandFailure(message: "--frames must be between \(ModelOptions.framesRange.lowerBound) and \(ModelOptions.framesRange.upperBound), not \(frames)", code: 64)
        }
        if let heads, heads < 1 { throw CommandFailure(message: "--heads must be at least 1", code: 64) }
        guard let vocabURL = vocab.map({ URL(fileURLWithPath: $0) }) ?? Assets.directory?.appendingPathComponent("vocab.txt") else {
            throw CommandFailure(message: "no vocabulary: pass --vocab FILE or set LITEVL_ASSETS to the Assets folder", code: 2)
        }
        let answersURL = answers.map { URL(fileURLWithPath: $0) }
        if let answersURL {
            // A missing or empty answer list is a model-file problem (exit 2), as everywhere else.
            do { _ = try VideoQuestionAnswerer.readAnswerList(answersURL) } catch {
                throw CommandFailure(message: "\(error)", code: 2)
            }
        }
        var options = CheckpointConverter.Options()
        options.imageSize = imageSize
        options.frames = frames
        options.temporal = temporal
        options.pooling = pooling == .on
        options.heads = heads
        options.name = name
        let vocabulary: [String]
        do { vocabulary = try CheckpointConverter.readVocabulary(vocabURL) } catch {
            throw CommandFailure(message: "\(error.description) (pass --vocab with the vocab.txt the checkpoint was trained with)", code: 2)
        }
        let plan: CheckpointConverter.Plan
        do {
            let ckpt = try TorchCheckpoint(path: checkpoint)
            plan = try CheckpointConverter(checkpoint: ckpt).plan(options: options, vocabulary: vocabulary)
        } catch {
            throw CommandFailure(message: error.description, code: 2)
        }
        do {
            try CheckpointConverter.write(plan, to: URL(fileURLWithPath: out), vocabulary: vocabURL, answers: answersURL)
        } catch let error as ModelError {
            throw CommandFailure(message: "the converted model does not load: \(error.description)", code: 2)
        } catch {
            throw CommandFailure(message: "cannot write \(out): \(FileProblem.reason(error, path: URL(fileURLWithPath: out).appendingPathComponent("model.safetensors").path)) (choose another folder with --out)", code: 2)
        }
        let c = plan.config
        let parameters = plan.tensors.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        printText("\(out): \(plan.tensors.count) tensors, \(parameters) parameters (state dict at \(plan.location))")
        printText("  vision  \(c.vision.imageSize)px, patch \(c.vision.patchSize), width \(c.vision.width), depth \(c.vision.depth), \(c.vision.heads) heads, \(c.vision.numFrames) frames, temporal \(c.vision.temporal.rawValue) (checkpoint: \(plan.sourceTemporal.rawValue))")
        printText("  text    hidden \(c.text.hidden), \(c.text.layers) + \(c.decoder.layers) layers, vocabulary \(c.text.vocabSize); pooling \(c.pooling.enabled ? "on" : "off")")
        if let g = plan.resampledGrid { printText("  pos_embed resampled from \(g.from)x\(g.from) to \(g.to)x\(g.to) patches (bicubic)") }
        if !plan.added.isEmpty { printText("  added \(plan.added.count) LiteVL tensors (temporal attention copied from spatial, scaling and temporal_embed zero)") }
        if !plan.dropped.isEmpty { printText("  dropped \(plan.dropped.count) tensors (momentum copies, queues, buffers, duplicates)") }
        if !plan.ignored.isEmpty { printText("  ignored \(plan.ignored.count) tensors the engine does not use: \(plan.ignored.prefix(4).joined(separator: ", "))\(plan.ignored.count > 4 ? ", …" : "")") }
        // Converting again into a model folder without --answers keeps the list that is there: say so.
        let keptAnswers = URL(fileURLWithPath: out).appendingPathComponent("answers.txt").path
        if answersURL == nil && FileManager.default.fileExists(atPath: keptAnswers) {
            printNote("litevl: warning: kept the answers.txt already in \(out) (from an earlier conversion?); pass --answers FILE to replace it")
        }
        printNote(String(format: "(%.2f s)", seconds(since: start)))
    }
}

extension LiteVLConfig.TemporalMode: ExpressibleByArgument {}
