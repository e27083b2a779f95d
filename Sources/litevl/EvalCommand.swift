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

    struct Item {
        /// The video's path, resolved against the manifest's folder.
        var video: String
        var question: String
        var answer: String
        var family: String?
        /// The manifest line (1-based) and the video as written there, for --predictions.
        var line: Int = 0
        var written: String = ""
    }

    func run() throws {
        do { try evaluate() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    static func readManifest(_ path: String) throws(CommandFailure) -> [Item] {
        let url = URL(fileURLWithPath: path)
        // Read through a handle: a pipe (<(…), /dev/stdin) has no size to read up to.
        let isRegular = ((try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType) == .typeRegular
        let bytes = isRegular ? try? Data(contentsOf: url) : FileHandle(forReadingAtPath: path).flatMap { try? $0.readToEnd() }
        guard let bytes, let text = String(data: bytes, encoding: .utf8) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure(message: !exists ? "manifest not found: \(path)"
                                 : isDirectory.boolValue ? "\(path) is a directory; give a JSON Lines manifest file (one {\"video\", \"question\", \"answer\"} object a line)"
                                 : "cannot read manifest \(path) as UTF-8 text")
        }
        // Videos are relative to the manifest's folder; to the current one for a manifest read from a pipe.
        let base = isRegular ? url.deletingLastPathComponent() : URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var items: [Item] = []
        // Blank lines are kept in the split so that n + 1 is the line number an editor shows.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                  let video = object["video"] as? String, let question = object["question"] as? String,
                  let answer = object["answer"] as? String
            else {
                throw CommandFailure(message: "\(path):\(n + 1): expected a JSON object with string fields video, question, answer")
            }
            if let problem = VideoQuestionAnswerer.questionProblem(question) { throw CommandFailure(message: "\(path):\(n + 1): \(problem)") }
            let resolved = video.hasPrefix("/") ? video : base.appendingPathComponent(video).path
            items.append(Item(video: resolved, question: question, answer: answer, family: object["family"] as? String,
                              line: n + 1, written: video))
        }
        guard !items.isEmpty else { throw CommandFailure(message: "manifest \(path) holds no questions") }
        return items
    }

    func evaluate() throws(CommandFailure) {
        let items = try Self.readManifest(manifest)
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
            let ok = result.answer == item.answer.lowercased().trimmingCharacters(in: .whitespaces)
            total += 1
            if ok { correct += 1 }
            let family = item.family ?? "all"
            families[family, default: (0, 0)].count += 1
            if ok { families[family, default: (0, 0)].correct += 1 }
            if predictions != nil {
                let object: [String: Any] = ["line": item.line, "video": item.written, "question": item.question, "answer": item.answer,
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
            print(String(format: "accuracy %.4f over %d questions (%.1f s)", accuracy, total, seconds(since: start)))
            for name in families.keys.sorted() {
                let v = families[name]!
                print(String(format: "  %-10@ %.4f  (%d)", name as NSString, Double(v.correct) / Double(v.count), v.count))
            }
        }
    }
}
