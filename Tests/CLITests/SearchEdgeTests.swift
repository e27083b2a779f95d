import Foundation
import LiteVL
import Testing

/// Search and eval with the files people really have: symlink farms, changed files behind links,
/// models that cannot search, predictions written into links and pipes.
@Suite("search and eval edges: symlinks, stale cache, models without projections, predictions", .serialized)
struct SearchEdgeTests {
    static func temp(_ name: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-edge-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
    static func clip(_ name: String) -> URL { CLI.repoRoot.appendingPathComponent("Assets/clips/\(name)") }

    /// A tiny random model in `dir` (text 32 wide, full vocabulary) without the tensors whose names start
    /// with one of `dropping` — the shapes of converted checkpoints that lack a part.
    static func writeModel(_ dir: URL, name: String, visionWidth: Int, pooling: Bool, seed: UInt64, dropping: [String]) throws {
        let text = LiteVLConfig.Text(vocabSize: 30524, hidden: 32, layers: 1, heads: 2, intermediate: 64, maxPositions: 64, eps: 1e-12)
        var config = LiteVLConfig(name: name,
                                  vision: .init(imageSize: 32, patchSize: 8, width: visionWidth, depth: 1, heads: 2, mlpDim: 64, eps: 1e-6,
                                                numFrames: 4, temporal: .dynamic),
                                  text: text, decoder: text, embedDim: 16)
        config.pooling.enabled = pooling
        var recipe = WeightRecipe.random(for: config, seed: seed)
        recipe.entries.removeAll { e in dropping.contains { e.name.hasPrefix($0) } }
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        try recipe.write(to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: CLI.repoRoot.appendingPathComponent("Assets/vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
    }

    @Test("a symlinked folder and symlinked files are searched; a file changed behind its link is not served stale")
    func symlinks() throws {
        let dir = try Self.temp("links"), fm = FileManager.default
        defer { try? fm.removeItem(at: dir) }
        let real = dir.appendingPathComponent("real"), farm = dir.appendingPathComponent("farm")
        try fm.createDirectory(at: real, withIntermediateDirectories: true)
        try fm.createDirectory(at: farm, withIntermediateDirectories: true)
        for name in SearchTests.demoClips {
            try fm.copyItem(at: Self.clip(name), to: real.appendingPathComponent(name))
            try fm.createSymbolicLink(at: farm.appendingPathComponent(name), withDestinationURL: real.appendingPathComponent(name))
        }
        try fm.createSymbolicLink(at: dir.appendingPathComponent("farm-link"), withDestinationURL: farm)
        let cache = dir.appendingPathComponent(".cache")
        let first = try SearchTests.search(["a red circle", dir.appendingPathComponent("farm-link").path], cache: cache)
        #expect(first.status == 0, "\(first.stderr)")
        let files = SearchTests.results(first).compactMap { $0["file"] as? String }
        #expect(files.count == 4 && files.allSatisfy { $0.hasPrefix(dir.appendingPathComponent("farm-link").path + "/") }, "\(files)")
        // Replace what one link points at: its features must be recomputed, not taken from the cache.
        let target = real.appendingPathComponent("demo_motion.mp4")
        try fm.removeItem(at: target)
        try fm.copyItem(at: URL(fileURLWithPath: CLI.clip("carphone_pristine.mp4")), to: target)
        let link = farm.appendingPathComponent("demo_motion.mp4").path
        let cached = try SearchTests.search(["a red circle", link], cache: cache)
        let fresh = try SearchTests.search(["a red circle", link, "--no-cache"], cache: cache)
        #expect(SearchTests.stats(cached)["decoded"] == 1, "\(cached.stdout)")
        #expect(SearchTests.results(cached).first?["itc"] as? Double == SearchTests.results(fresh).first?["itc"] as? Double)
    }

    @Test("a model without ITC projections cannot search: one line, exit 2 (it still answers)")
    func modelWithoutProjections() throws {
        let dir = try Self.temp("noproj")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Vision 48 wide, text 32: without projections the two cannot be compared.
        try Self.writeModel(dir, name: "no-projections", visionWidth: 48, pooling: false, seed: 11, dropping: ["vision_proj.", "text_proj."])
        try "yes\nno\n".write(to: dir.appendingPathComponent("answers.txt"), atomically: true, encoding: .utf8)
        let clip = Self.clip("demo_motion.mp4").path
        let ask = try CLI.run(["ask", clip, "is it moving?", "--model", dir.path])
        #expect(ask.status == 0, "\(ask.stderr)")
        let search = try CLI.run(["search", "a red circle", clip, "--model", dir.path, "--no-cache"])
        #expect(search.status == 2, "\(search.stderr)")
        #expect(search.stderr.contains("has no ITC projections") && search.stderr.split(separator: "\n").count == 1, "\(search.stderr)")
    }

    @Test("--rerank with a model that has no ITM head: ITC order, no ITM value, reranked 0")
    func rerankWithoutITMHead() throws {
        let dir = try Self.temp("noitm")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeModel(dir, name: "no-itm", visionWidth: 32, pooling: true, seed: 12, dropping: ["itm_head."])
        let r = try SearchTests.search(["a red circle", Self.clip("demo_motion.mp4").path, Self.clip("demo_appear.mp4").path, "--rerank", "2"],
                                       cache: dir.appendingPathComponent(".cache"), model: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(SearchTests.stats(r)["reranked"] == 0, "\(r.stdout)")
        #expect(SearchTests.results(r).allSatisfy { $0["itm"] is NSNull }, "\(r.stdout)")
    }

    @Test("eval --predictions: one row per manifest line in manifest order, written through a symlink")
    func predictionsInManifestOrder() throws {
        let dir = try Self.temp("pred"), fm = FileManager.default
        defer { try? fm.removeItem(at: dir) }
        for name in ["demo_motion.mp4", "demo_appear.mp4"] { try fm.copyItem(at: Self.clip(name), to: dir.appendingPathComponent(name)) }
        // Clips interleaved, so that encoding each once (sorted) differs from the manifest's order.
        let rows = [("demo_motion.mp4", "is the circle moving?"), ("demo_appear.mp4", "does a square appear?"),
                    ("demo_motion.mp4", "what color is the circle?"), ("demo_appear.mp4", "how many objects are there?")]
        let manifest = rows.map { #"{"video": "\#($0.0)", "question": "\#($0.1)", "answer": "yes"}"# }.joined(separator: "\n") + "\n"
        try manifest.write(to: dir.appendingPathComponent("m.jsonl"), atomically: true, encoding: .utf8)
        let real = dir.appendingPathComponent("real.jsonl"), link = dir.appendingPathComponent("link.jsonl")
        try "old".write(to: real, atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(at: link, withDestinationURL: real)
        let r = try CLI.run(["eval", dir.appendingPathComponent("m.jsonl").path, "--model", CLI.randomModel.path, "--predictions", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try? fm.destinationOfSymbolicLink(atPath: link.path)) != nil, "the link is still a link")
        let written = try String(contentsOf: real, encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(written.map { $0["line"] as? Int } == [1, 2, 3, 4])
        #expect(written.map { $0["video"] as? String } == rows.map(\.0))
        #expect(written.map { $0["question"] as? String } == rows.map(\.1))
    }
}
