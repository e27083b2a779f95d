import ArgumentParser
import Foundation
import LiteVL
import VideoDecoding

/// `litevl ask VIDEO "question" [--json] [--top K]`: answer one question from the command line.
struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Answer questions about a video clip (non-interactive).")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The video clip.")
    var video: String

    @Argument(help: "One or more questions; the clip is encoded once for all of them.")
    var questions: [String]




    @Option(parsing: .unconditional, help: "How many ranked candidates to print.")
    var top: Int = 5

    @Option(help: "Text-dependent pooling: on or off.")
    var pooling: Toggle = .on

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "A second model directory (e.g. the no-temporal baseline) that answers the same questions, for comparison.")
    var baseline: String?

    enum Toggle: String, ExpressibleByArgument { case on, off }

    func run() throws {
        do { try answer() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    func answer() throws(CommandFailure) {
        guard top >= 1 else { throw CommandFailure(message: "--top must be at least 1", code: 64) }
        guard FileManager.default.fileExists(atPath: video) else { throw CommandFailure(message: "video not found: \(video) (check the path)") }
        // Before the model loads and the clip decodes: an empty or pasted-megabyte question fails at once.
        for question in questions {
            if let problem = VideoQuestionAnswerer.questionProblem(question) { throw CommandFailure(message: problem) }
        }
        let loadStart = DispatchTime.now()
        let session = try modelOptions.session()
        let loadSeconds = seconds(since: loadStart)
        // A bad --baseline fails before the clip is decoded.
        let base = try baseline.map { dir throws(CommandFailure) in try BaselineModel(directory: dir, answers: modelOptions.answers, frames: modelOptions.frames) }
        let decodeStart = DispatchTime.now()
        let clip = try session.sample(video)
        let decodeSeconds = seconds(since: decodeStart)
        for warning in clip.warnings { printNote("litevl: warning: \(warning)") }
        let encodeStart = DispatchTime.now()
        let encoded = try session.encode(clip)
        let encodeSeconds = seconds(since: encodeStart)
        let baseEncoded = try base.map { b throws(CommandFailure) in try b.encode(path: video, sampled: clip, by: session) }
        var options = VideoQuestionAnswerer.Options()
        options.pooling = pooling == .on
        // Attention maps only for JSON's "where is the answer" (evidence).
        options.attentionMaps = json
        var results: [[String: Any]] = []
        for question in questions {
            let result: VideoQuestionAnswerer.Result
            do { result = try session.answerer.ask(question, video: encoded, options: options) } catch {
                throw answerFailure(error)
            }
            if json {
                var entry: [String: Any] = [
                    "question": question, "answer": result.answer,
                    "top": result.candidates.prefix(top).map { ["answer": $0.answer, "probability": Double($0.probability), "score": $0.score] },
                    "seconds": result.seconds,
                ]
                if let a = result.temporalWeights { entry["temporal_weights"] = a.map(Double.init) }
                entry["evidence"] = evidenceJSON(result, timestamps: clip.frames.map(\.timestamp))
                if let base, let (baseClip, baseVideo) = baseEncoded {
                    let r: VideoQuestionAnswerer.Result
                    do { r = try base.session.answerer.ask(question, video: baseVideo, options: options) } catch {
                        throw answerFailure(error)
                    }
                    var b: [String: Any] = [
                        "model": base.session.config.name, "answer": r.answer, "seconds": r.seconds,
                        "top": r.candidates.prefix(top).map { ["answer": $0.answer, "probability": Double($0.probability), "score": $0.score] },
                        "evidence": evidenceJSON(r, timestamps: baseClip.frames.map(\.timestamp)),
                    ]
                    if let a = r.temporalWeights { b["temporal_weights"] = a.map(Double.init) }
                    entry["baseline"] = b
                }
                results.append(entry)
            } else {
                printText("Q: \(question)")
                printText("A: \(result.answer)")
                for c in result.candidates.prefix(top) {
                    printText(String(format: "   %-12@ %5.1f%%  (score %.3f)", c.answer as NSString, c.probability * 100, c.score))
                }
                if let base, let (_, baseVideo) = baseEncoded {
                    let r: VideoQuestionAnswerer.Result
                    do { r = try base.session.answerer.ask(question, video: baseVideo, options: options) } catch {
                        throw answerFailure(error)
                    }
                    printText("B: \(r.answer)   (baseline: \(base.session.config.name))")
                    for c in r.candidates.prefix(top) {
                        printText(String(format: "   %-12@ %5.1f%%  (score %.3f)", c.answer as NSString, c.probability * 100, c.score))
                    }
                }
            }
        }
        if json {
            let object: [String: Any] = [
                "video": video, "model": session.config.name, "baseline_model": base.map { $0.session.config.name as Any } ?? NSNull(),
                // What ran, after any fallback (bf16 asked for on a CPU without it runs f32), as bench reports it.
                "precision": session.answerer.model.precision.shortName,
                "frames": clip.frames.map { ["timestamp": $0.timestamp, "repeated": $0.repeated] },
                "scales": encoded.scales.map(Double.init),
                "warnings": clip.warnings,
                "answers": results,
                "timings": ["load": loadSeconds, "decode": decodeSeconds, "encode": encodeSeconds],
            ]
            print(try jsonText(object))
        } else {
            printNote(String(format: "(model %.0f ms, decode %.0f ms, encode %.0f ms)", loadSeconds * 1000, decodeSeconds * 1000, encodeSeconds * 1000))
        }
    }
}
