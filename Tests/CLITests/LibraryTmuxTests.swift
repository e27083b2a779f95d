import Foundation
import Testing

/// The library view and compare mode in a real terminal: real clips, real models, real cache.
@Suite("TUI library and compare (tmux)", .serialized)
struct LibraryTmuxTests {
    /// A new folder holding copies of `clips` (demo clips); the caller removes it.
    static func folder(_ prefix: String, clips: some Sequence<String>) throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in clips {
            try fm.copyItem(at: CLI.repoRoot.appendingPathComponent("Assets/clips/\(name)"), to: dir.appendingPathComponent(name))
        }
        return dir
    }

    @Test("--library: clips listed with thumbnails, typing ranks them, Enter opens one; c compares with the baseline; reopening reads the cache")
    func libraryAndCompare() throws {
        guard TmuxSession.isAvailable else { return }
        let fm = FileManager.default
        let dir = try Self.folder("litevl-tuilib", clips: SearchTests.demoClips)
        defer { try? fm.removeItem(at: dir) }
        let cache = dir.appendingPathComponent(".cache"), history = dir.appendingPathComponent(".history.jsonl")
        let litevl = TmuxSession.quote(CLI.executable.path)
        let command = "\(litevl) --model \(TmuxSession.quote(CLI.randomModel.path)) --baseline \(TmuxSession.quote(CLI.randomBaselineModel.path)) "
            + "--library \(TmuxSession.quote(dir.path)) --history \(TmuxSession.quote(history.path)) "
            + "--export-dir \(TmuxSession.quote(dir.appendingPathComponent("exports").path)) "
            + TmuxSession.quote(dir.appendingPathComponent("demo_appear.mp4").path)
        let env = ["TERM": "tmux-256color", "LITEVL_CACHE": cache.path, "LITEVL_ASSETS": CLI.repoRoot.appendingPathComponent("Assets").path]
        let t = try TmuxSession(command: command, width: 110, height: 34, environment: env)
        defer { t.kill() }
        #expect(t.waitFor("ready (0 from the cache)", timeout: 30), "\(t.capture())")
        #expect(t.capture().contains("demo_motion.mp4") && t.capture().contains("▀"), "names and half-block thumbnails: \(t.capture())")
        try t.sendKeys("a square moving right", literal: true)
        #expect(t.waitFor("1. demo_", timeout: 10), "ranked: \(t.capture())")
        #expect(t.capture().contains("score ") && t.capture().contains("best at "))
        // The top clip is the one Enter opens.
        let top = t.capture().split(separator: "\n").first { $0.contains("1. demo_") }.flatMap { line in
            SearchTests.demoClips.first { line.contains($0) } }
        let name = try #require(top)
        try t.sendKeys("Enter")
        #expect(t.waitFor("opened \(name)", timeout: 15), "\(t.capture())")
        // Compare mode with the baseline, from the frames focus.
        try t.sendKeys("Tab"); try t.sendKeys("c")
        #expect(t.waitFor("compare on", timeout: 5), "\(t.capture())")
        try t.sendKeys("Tab")
        try t.sendKeys("what color is the square?", literal: true)
        try t.sendKeys("Enter")
        #expect(t.waitFor("random-notemp", timeout: 15), "\(t.capture())")
        #expect(t.waitFor("where: ", timeout: 15), "\(t.capture())")
        // The export carries the baseline's answer beside LiteVL's, as the screen shows them.
        #expect(t.waitForAbsence("thinking…", timeout: 15), "\(t.capture())")
        try t.sendKeys("C-s")
        #expect(t.waitFor("exported", timeout: 15), "\(t.capture())")
        let exports = try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("exports").path)
        let folder = try #require(exports.first)
        let md = try String(contentsOf: dir.appendingPathComponent("exports/\(folder)/transcript.md"), encoding: .utf8)
        #expect(md.contains("Baseline (random-notemp"), "\(md)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("exports/\(folder)/transcript.json"))) as? [String: Any]
        let question = try #require((json?["questions"] as? [[String: Any]])?.last)
        #expect((question["baseline"] as? [String: Any])?["answer"] is String, "\(question)")
        // The library again (Ctrl-R): every clip now comes from the cache.
        try t.sendKeys("C-r")
        #expect(t.waitFor("ready (4 from the cache)", timeout: 15), "\(t.capture())")
        try t.sendKeys("Escape")
        try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0", timeout: 10), "\(t.capture())")
    }

    @Test("a feature cache that cannot be written is a status-bar warning, never text drawn over the app")
    func unwritableCacheInTheApp() throws {
        guard TmuxSession.isAvailable else { return }
        let fm = FileManager.default
        let dir = try Self.folder("litevl-tuicache", clips: SearchTests.demoClips.prefix(2))
        defer { try? fm.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let command = "\(TmuxSession.quote(CLI.executable.path)) --model \(TmuxSession.quote(CLI.randomModel.path)) --library \(TmuxSession.quote(dir.path)) "
            + "--history \(TmuxSession.quote(dir.appendingPathComponent(".history.jsonl").path)) --cache \(TmuxSession.quote(blocker.appendingPathComponent("cache").path)) "
            + TmuxSession.quote(dir.appendingPathComponent(SearchTests.demoClips[0]).path)
        let t = try TmuxSession(command: command, width: 110, height: 30, environment: ["TERM": "tmux-256color"])
        defer { t.kill() }
        // The warning takes the status bar's place of the "ready" line while the clips are encoded.
        #expect(t.waitFor("warning: cannot write the feature cache", timeout: 30), "\(t.capture())")
        #expect(t.waitFor("demo_color_change.mp4", timeout: 10), "\(t.capture())")
        #expect(!t.capture().contains("litevl: warning"), "a line on standard error drawn over the screen: \(t.capture())")
        try t.sendKeys("Escape"); try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0", timeout: 10), "\(t.capture())")
    }
}
