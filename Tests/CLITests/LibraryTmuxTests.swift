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

    /// The one export folder the app wrote under `dir/exports` (`e` / Ctrl-S), and its transcript.json's questions.
    static func exported(in dir: URL) throws -> (folder: URL, questions: [[String: Any]]) {
        let exports = dir.appendingPathComponent("exports")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: exports.path).first)
        let folder = exports.appendingPathComponent(name)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("transcript.json"))) as? [String: Any]
        return (folder, try #require(json?["questions"] as? [[String: Any]]))
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
        let export = try Self.exported(in: dir)
        let md = try String(contentsOf: export.folder.appendingPathComponent("transcript.md"), encoding: .utf8)
        #expect(md.contains("Baseline (random-notemp"), "\(md)")
        let question = try #require(export.questions.last)
        #expect((question["baseline"] as? [String: Any])?["answer"] is String, "\(question)")
        // The library again (Ctrl-R): every clip now comes from the cache.
        try t.sendKeys("C-r")
        #expect(t.waitFor("ready (4 from the cache)", timeout: 15), "\(t.capture())")
        try t.sendKeys("Escape")
        try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0", timeout: 10), "\(t.capture())")
    }

    @Test("compare mode after re-opening a path whose file changed: the baseline answers about the new clip, as ask --baseline does")
    func compareAfterTheFileChanged() throws {
        guard TmuxSession.isAvailable else { return }
        let fm = FileManager.default
        let dir = try Self.folder("litevl-swap", clips: [])
        defer { try? fm.removeItem(at: dir) }
        let swap = dir.appendingPathComponent("swap.mp4")
        let clips = CLI.repoRoot.appendingPathComponent("Assets/clips")
        try fm.copyItem(at: clips.appendingPathComponent("demo_motion.mp4"), to: swap)
        let question = "how many objects are there?"
        let models = CLI.repoRoot.appendingPathComponent("Assets/models")
        let litevl = TmuxSession.quote(CLI.executable.path)
        let command = "\(litevl) --history /dev/null --export-dir \(TmuxSession.quote(dir.appendingPathComponent("exports").path)) "
            + TmuxSession.quote(swap.path)
        let env = ["TERM": "tmux-256color", "LITEVL_ASSETS": CLI.repoRoot.appendingPathComponent("Assets").path]
        let t = try TmuxSession(command: command, width: 110, height: 34, environment: env)
        defer { t.kill() }
        #expect(t.waitFor("T=8", timeout: 30), "\(t.capture())")
        try t.sendKeys("C-t")
        #expect(t.waitFor("compare on", timeout: 10), "\(t.capture())")
        try t.sendKeys(question, literal: true)
        try t.sendKeys("Enter")
        // The first question answered by both models (the baseline is the bundled no-temporal one).
        let answerLine = try Regex("› [a-z]+ +[0-9.]+s")
        #expect(t.waitUntil(timeout: 60) { $0.contains("no-temporal baseline") && $0.matches(of: answerLine).count >= 2 && !$0.contains("thinking…") },
                "\(t.capture())")
        // The same path, another clip: demo_appear (three objects at the end) replaces demo_motion (two).
        try fm.removeItem(at: swap)
        try fm.copyItem(at: clips.appendingPathComponent("demo_appear.mp4"), to: swap)
        try t.sendKeys("C-o")
        #expect(t.waitFor("open a clip"), "\(t.capture())")
        try t.sendKeys("C-u")
        try t.sendKeys(swap.path, literal: true)
        try t.sendKeys("Enter")
        #expect(t.waitFor("opened swap.mp4", timeout: 30), "\(t.capture())")
        try t.sendKeys(question, literal: true)
        try t.sendKeys("Enter")
        // Both questions answered by both models: four "› answer  0.8s" lines (the baseline runs after LiteVL).
        #expect(t.waitUntil(timeout: 60) { $0.matches(of: answerLine).count >= 4 && !$0.contains("thinking…") }, "\(t.capture())")
        try t.sendKeys("C-s")
        #expect(t.waitFor("exported", timeout: 15), "\(t.capture())")
        let asked = try Self.exported(in: dir).questions
        #expect(asked.count == 2, "\(asked)")
        let inApp = try #require((asked.last?["baseline"] as? [String: Any])?["answer"] as? String, "\(asked)")
        // The command line on the file as it is now.
        let cli = try CLI.run(["ask", swap.path, question, "--json", "--baseline", models.appendingPathComponent("litevl-tiny-notemp").path])
        let expected = try #require((cli.json?["answers"] as? [[String: Any]])?.first?["baseline"] as? [String: Any])
        #expect(inApp == expected["answer"] as? String, "app baseline \(inApp), ask --baseline \(String(describing: expected["answer"]))")
        let first = try #require((asked.first?["baseline"] as? [String: Any])?["answer"] as? String)
        #expect(first != inApp, "the two clips differ for the baseline too (\(first) vs \(inApp)), so the check can fail")
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
