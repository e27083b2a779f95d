import ArgumentParser
import Foundation
import TerminalUI
import LiteVL
import VideoDecoding

/// `litevl eval MANIFEST.jsonl [--json]`: accuracy of the model on a question set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure accuracy on a JSON Lines manifest of {video, question, answer, family}.",
        discussion: "Video paths are relative to the manifest. The model is loaded once and each video encoded once.")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The manifest (JSON Lines).")
    var manifest: String




    @Option(help: "Write every prediction as JSON Lines to this file.")
    var predictions: String?

    @Flag(help: "Print JSON: {accuracy, count, families: {name: {accuracy, count}}}.")
    var json = false

    func run() throws {
        do { try evaluate() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    func evaluate() throws(CommandFailure) {
        let items = try Manifest.read(manifest, answers: .required)
        let session = try modelOptions.session()
        var options = VideoQuestionAnswerer.Options()
        options.attentionMaps = false
        var total = 0, correct = 0
        var families: [String: (correct: Int, count: Int)] = [:]
        // One prediction per manifest line, written in manifest order whatever order the clips are encoded in.
        var lines = [String?](repeating: nil, count: items.count)
        var encodedCache: (path: String, video: EncodedVideo)?
        let start = DispatchTime.now()
        // Group by video so each clip is decoded and encoded once.
        let order = items.indices.sorted { items[$0].video < items[$1].video }
        for i in order {
            let item = items[i]
            let encoded: EncodedVideo
            if let cached = encodedCache, cached.path == item.video { encoded = cached.video } else {
                let clip = try session.sample(item.video)
                encoded = try session.encode(clip)
                encodedCache = (item.video, encoded)
            }
            let result: VideoQuestionAnswerer.Result
            do { result = try session.answerer.ask(item.question, video: encoded, options: options) } catch {
                throw answerFailure(error, prefix: "\(item.video): ")
            }
            // `Manifest.read(_:answers: .required)` refused every line without an answer.
            let expected = item.answer ?? ""
            let ok = result.answer == expected.lowercased().trimmingCharacters(in: .whitespaces)
            total += 1
            if ok { correct += 1 }
            let family = item.family ?? "all"
            families[family, default: (0, 0)].count += 1
            if ok { families[family, default: (0, 0)].correct += 1 }
            if predictions != nil {
                let object: [String: Any] = ["line": item.line, "video": item.written, "question": item.question, "answer": expected,
                                             "prediction": result.answer, "family": family, "correct": ok]
                lines[i] = try jsonText(object, pretty: false)
            }
        }
        if let predictions {
            let data = Data((lines.compactMap { $0 }.joined(separator: "\n") + "\n").utf8)
            // A new or regular file is replaced atomically; a symlink, a pipe or a device (/dev/stdout,
            // <(…)) is written through, so the link stays a link.
            let type = (try? FileManager.default.attributesOfItem(atPath: predictions))?[.type] as? FileAttributeType
            let atomic = type == nil || type == .typeRegular
            do { try data.write(to: URL(fileURLWithPath: predictions), options: atomic ? .atomic : []) } catch {
                throw CommandFailure(message: "cannot write predictions to \(predictions): \(FileProblem.reason(error, path: predictions)); choose a writable path with --predictions")
            }
        }
        let accuracy = Double(correct) / Double(total)
        if json {
            var fam: [String: Any] = [:]
            for (name, v) in families { fam[name] = ["accuracy": Double(v.correct) / Double(v.count), "count": v.count] }
            let object: [String: Any] = ["accuracy": accuracy, "count": total, "families": fam, "seconds": seconds(since: start)]
            print(try jsonText(object))
        } else {
            printText(String(format: "accuracy %.4f over %d questions (%.1f s)", accuracy, total, seconds(since: start)))
            for name in families.keys.sorted() {
                let v = families[name]!
                printText(String(format: "  %-10@ %.4f  (%d)", name as NSString, Double(v.correct) / Double(v.count), v.count))
            }
        }
    }
}
