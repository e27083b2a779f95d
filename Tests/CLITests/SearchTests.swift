import Foundation
import Testing

/// `litevl search` end to end: real clips decoded by FFmpeg, a real model, the on-disk feature cache.
@Suite("litevl search", .serialized)
struct SearchTests {
    static let demoClips = ["demo_appear.mp4", "demo_color_change.mp4", "demo_disappear.mp4", "demo_motion.mp4"]

    /// A folder with the four demo clips (two in a subfolder), a broken "video" and a text file.
    static func library() throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("litevl-search-\(UUID().uuidString)")
        try fm.createDirectory(at: dir.appendingPathComponent("more"), withIntermediateDirectories: true)
        for (i, name) in demoClips.enumerated() {
            let to = i < 2 ? dir.appendingPathComponent(name) : dir.appendingPathComponent("more/\(name)")
            try fm.copyItem(at: CLI.repoRoot.appendingPathComponent("Assets/clips/\(name)"), to: to)
        }
        try Data("this is not a video".utf8).write(to: dir.appendingPathComponent("broken.mp4"))
        try Data("notes".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        return dir
    }

    static func search(_ args: [String], cache: URL, model: URL? = CLI.randomModel) throws -> CLI.Result {
        try CLI.run(["search"] + args + ["--json", "--cache", cache.path] + (model.map { ["--model", $0.path] } ?? []))
    }

    static func results(_ r: CLI.Result) -> [[String: Any]] { r.json?["results"] as? [[String: Any]] ?? [] }
    static func stats(_ r: CLI.Result) -> [String: Int] { r.json?["stats"] as? [String: Int] ?? [:] }

    @Test("every clip once, ranked, with a timestamp inside the clip; a broken file is a warning; the second search decodes nothing")
    func searchAndCache() throws {
        let dir = try Self.library(), cache = dir.appendingPathComponent(".cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.search(["a red circle moving left", dir.path, "--rerank", "2"], cache: cache)
        #expect(first.status == 0, "\(first.stderr)")
        let results = Self.results(first)
        #expect(Set(results.compactMap { ($0["file"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } }) == Set(Self.demoClips))
        #expect(results.count == 4)
        #expect(results.map { $0["rank"] as? Int } == [1, 2, 3, 4])
        // The first two are ordered by P(match), the rest by ITC; the re-ranked ones had the best ITC.
        let itm = results.map { $0["itm"] as? Double }
        #expect(itm[0] != nil && itm[1] != nil && itm[2] == nil && itm[3] == nil)
        #expect(itm[0]! >= itm[1]!)
        let itc = results.map { $0["itc"] as! Double }
        #expect(itc[2] >= itc[3] && min(itc[0], itc[1]) >= itc[2])
        for r in results {
            let t = try #require(r["timestamp"] as? Double), d = try #require(r["duration"] as? Double)
            #expect(t >= 0 && t <= d, "\(r)")
            let w = try #require(r["frame_weights"] as? [Double])
            #expect(w.count == 4 && abs(w.reduce(0, +) - 1) < 1e-4)
            #expect(w[r["frame"] as! Int] == w.max())
        }
        let warnings = first.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1 && warnings[0].contains("broken.mp4"), "\(first.stderr)")
        #expect(Self.stats(first)["decoded"] == 4 && Self.stats(first)["cached"] == 0 && Self.stats(first)["skipped"] == 1)

        let second = try Self.search(["a red circle moving left", dir.path, "--rerank", "2"], cache: cache)
        #expect(second.status == 0)
        #expect(Self.stats(second)["decoded"] == 0 && Self.stats(second)["cached"] == 4, "\(second.stdout)")
        #expect(NSArray(array: Self.results(second)) == NSArray(array: results))

        // Corrupt one entry and truncate another: both rebuilt, the others still come from the cache.
        let entries = FileManager.default.enumerator(at: cache, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "lvf" }.sorted { $0.path < $1.path }
        #expect(entries.count == 4)
        var bytes = try Data(contentsOf: entries[0])
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: entries[0])
        try Data(try Data(contentsOf: entries[1]).prefix(100)).write(to: entries[1])
        let third = try Self.search(["a red circle moving left", dir.path, "--rerank", "2"], cache: cache)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(Self.stats(third)["decoded"] == 2 && Self.stats(third)["cached"] == 2)
        #expect(NSArray(array: Self.results(third)) == NSArray(array: results))

        // Another frame count is another entry.
        let fewer = try Self.search(["a red circle moving left", dir.path, "--frames", "2"], cache: cache)
        #expect(Self.stats(fewer)["decoded"] == 4)
        #expect((Self.results(fewer).first?["frame_weights"] as? [Double])?.count == 2)
    }

    @Test("text output: a header, one line per clip, the counts on standard error; --top limits")
    func textOutput() throws {
        let dir = try Self.library(), cache = dir.appendingPathComponent(".cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["search", "a blue square", dir.path, CLI.repoRoot.appendingPathComponent("Assets/clips/demo_motion.mp4").path,
                             "--top", "2", "--model", CLI.randomModel.path, "--cache", cache.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].contains("match") && lines[1].hasPrefix("  1 ") && lines[2].hasPrefix("  2 "), "\(r.stdout)")
        // demo_motion.mp4 twice (in the folder and by name): the same content, encoded once.
        #expect(r.stderr.contains("5 clips: 4 decoded, 1 from the cache, 1 skipped"), "\(r.stderr)")
    }

    @Test("bad input: a missing path, an empty query, no videos, bad flags")
    func errors() throws {
        let dir = try Self.library(), cache = dir.appendingPathComponent(".cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try Self.search(["x", "/nonexistent/clips"], cache: cache)
        #expect(missing.status == 1 && missing.stderr.contains("not found: /nonexistent/clips"))
        let empty = try Self.search(["  ", dir.path], cache: cache)
        #expect(empty.status == 1 && empty.stderr.contains("empty"), "\(empty.stderr)")
        let none = try Self.search(["x", dir.appendingPathComponent("notes.txt").deletingLastPathComponent().appendingPathComponent("more").path + "/../notes.txt"], cache: cache)
        #expect(none.status == 1, "\(none.stderr)")
        #expect(try Self.search(["x", dir.path, "--top", "0"], cache: cache).status == 64)
        #expect(try Self.search(["x", dir.path, "--rerank", "-1"], cache: cache).status == 64)
    }

    @Test("with the bundled model (one clip: a debug build encodes slowly), the cached search gives the same result")
    func bundledModel() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-search-bundled-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let clip = CLI.repoRoot.appendingPathComponent("Assets/clips/demo_motion.mp4").path
        let cold = try Self.search(["a blue square moving right", clip], cache: cache, model: nil)
        #expect(cold.status == 0, "\(cold.stderr)")
        let warm = try Self.search(["a blue square moving right", clip], cache: cache, model: nil)
        #expect(Self.stats(warm)["decoded"] == 0 && Self.stats(warm)["cached"] == 1)
        #expect(NSArray(array: Self.results(warm)) == NSArray(array: Self.results(cold)))
        #expect((Self.results(cold).first?["frame_weights"] as? [Double])?.count == 8)
    }
}
