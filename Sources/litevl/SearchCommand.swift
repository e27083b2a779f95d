import ArgumentParser
import Foundation
import LiteVL

/// `litevl search "query" PATH...`: text-to-video retrieval over video files and folders.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Rank video clips by how well they match a description (ITC with text-dependent pooling; --rerank N adds ITM).",
        discussion: "Folders are searched recursively for video files. Features are cached per clip, so a second search over the same files decodes nothing (docs/retrieval.md).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var cacheOptions: CacheOptions

    @Argument(help: "What to look for, e.g. \"a red circle moving left\".")
    var query: String

    @Argument(help: "Video files and folders.")
    var paths: [String]

    @Option(parsing: .unconditional, help: "How many results to print.")
    var top: Int = 10

    /// Off by default: the bundled models' ITM head did not learn to separate matches (its training
    /// accuracy stayed at the 2:1 negative ratio) and re-ranking the top 10 lowered R@1 on the fresh
    /// gallery from 0.22 to 0.14 (docs/results.md). A model with a trained ITM head wants `--rerank 10`.
    @Option(parsing: .unconditional, help: "Re-rank this many of the best ITC matches with the ITM head (default 0: ITC only; the bundled models' ITM head is weakly trained and re-ranking measured worse, see docs/results.md).")
    var rerank: Int = 0

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        do { try search() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    func search() throws(CommandFailure) {
        guard top >= 1 else { throw CommandFailure(message: "--top must be at least 1", code: 64) }
        guard rerank >= 0 else { throw CommandFailure(message: "--rerank must be 0 or more", code: 64) }
        guard !paths.isEmpty else { throw CommandFailure(message: "no video files or folders given; usage: litevl search \"query\" PATH...", code: 64) }
        let start = DispatchTime.now()
        let cache = cacheOptions.cache()
        let (files, missing) = VideoPaths.expand(paths)
        if let first = missing.first { throw CommandFailure(message: "video not found: \(first) (check the path)") }
        let session = try modelOptions.session()
        let loadSeconds = seconds(since: start)
        let index = ClipIndex(session: session, cache: cache)
        let query: TextVideoRetriever.Query
        do { query = try index.retriever.query(self.query) } catch { throw answerFailure(error) }

        let featuresStart = DispatchTime.now()
        var clips: [(path: String, features: ClipFeatures)] = []
        var skipped: [[String: String]] = []
        for file in files {
            do { clips.append((file, try index.features(path: file))) } catch {
                // A damaged model fails every clip the same way: say so once instead of skipping them all.
                if error.code == 2 { throw error }
                let reason = error.message.hasPrefix(file + ": ") ? String(error.message.dropFirst(file.count + 2)) : error.message
                printNote("litevl: warning: skipped \(file): \(reason)")
                skipped.append(["file": file, "error": reason])
            }
        }
        index.flush()
        let featuresSeconds = seconds(since: featuresStart)
        guard !clips.isEmpty else {
            throw CommandFailure(message: files.isEmpty ? "no video files in \(paths.joined(separator: ", ")) (looked for \(VideoPaths.describeExtensions))"
                                                        : "none of the \(files.count) video files could be read")
        }

        let rankStart = DispatchTime.now()
        let similarities = clips.map { index.retriever.similarity(query, frameEmbeddings: $0.features.frameEmbeddings) }
        let model = session.answerer.model
        let ranked = TextVideoRetriever.rank(similarities: similarities.map(\.score), rerank: rerank) { i in
            index.retriever.matchProbability(query, video: clips[i].features.encodedVideo(model))
        }
        let rankSeconds = seconds(since: rankStart)
        let counts = index.counts
        let shown = ranked.prefix(top)

        if json {
            let results: [[String: Any]] = shown.enumerated().map { position, r in
                let s = similarities[r.index], f = clips[r.index].features
                var entry: [String: Any] = [
                    "rank": position + 1, "file": clips[r.index].path, "itc": Double(r.similarity),
                    "frame": s.bestFrame, "timestamp": f.timestamps[s.bestFrame],
                    "frame_weights": s.frameWeights.map(Double.init), "duration": f.duration,
                ]
                entry["itm"] = r.matchProbability.map { Double($0) } ?? NSNull()
                return entry
            }
            let object: [String: Any] = [
                "query": self.query, "model": session.config.name, "frames": session.frames,
                "results": results, "skipped": skipped,
                "stats": ["clips": clips.count, "decoded": counts.decoded, "cached": counts.cached, "skipped": skipped.count,
                          // Only a model with an ITM head re-ranks (a converted VQA checkpoint has none).
                          "reranked": session.answerer.model.itmHead == nil ? 0 : min(rerank, clips.count)],
                "cache": cache?.root.path ?? NSNull(),
                "timings": ["load": loadSeconds, "features": featuresSeconds, "rank": rankSeconds, "total": seconds(since: start)],
            ]
            print(try jsonText(object))
        } else {
            printText("  #   match     ITC       at  file")
            for (position, r) in shown.enumerated() {
                let s = similarities[r.index], f = clips[r.index].features
                let match = r.matchProbability.map { String(format: "%5.1f%%", $0 * 100) } ?? "     -"
                printText(String(format: "%3d  %6@  %6.3f  %6.2fs  %@", position + 1, match as NSString, r.similarity,
                             f.timestamps[s.bestFrame], clips[r.index].path as NSString))
            }
            printNote(String(format: "(%d clips: %d decoded, %d from the cache%@; %.0f ms)", clips.count, counts.decoded, counts.cached,
                             skipped.isEmpty ? "" : ", \(skipped.count) skipped", seconds(since: start) * 1000))
        }
    }
}

extension VideoPaths {
    static var describeExtensions: String { ".mp4, .mov, .mkv, .webm, .avi, …" }
}
