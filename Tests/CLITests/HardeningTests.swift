import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The app under hostile terminals, in a real terminal (tmux): refused TERMs, vt100, the C locale,
/// NO_COLOR at 20x8 with 100 resizes, pasted control characters (bracketed and raw), SIGINT, and the
/// history reloaded on the next start. Rows `terminal.*` and `question.pasted-in-app` of docs/errors.md.
@Suite("hardening: the app in hostile terminals (tmux)", .serialized, .enabled(if: TmuxSession.isAvailable, "tmux not installed"))
struct HardeningTests {
    static var litevl: String { TmuxSession.quote(CLI.executable.path) }

    static func temp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("litevl-hard-\(UUID().uuidString)-\(name)")
    }

    /// The app on `clip` with the random model; `tag` (a unique string) goes on the command line so
    /// `litevlPids(matching:)` finds this process.
    static func start(tag: String, history: URL? = nil, clip: String = CLI.clip("bikes.mp4"), width: Int = 100, height: Int = 30,
                      environment: [String: String] = ["TERM": "tmux-256color"]) throws -> TmuxSession {
        var command = "\(litevl) \(TmuxSession.quote(clip)) --model \(TmuxSession.quote(CLI.randomModel.path))"
        command += " --export-dir \(TmuxSession.quote(FileManager.default.temporaryDirectory.appendingPathComponent("litevl-hard-\(tag)").path))"
        if let history { command += " --history \(TmuxSession.quote(history.path))" }
        return try TmuxSession(command: command, width: width, height: height, environment: environment)
    }

    /// Types (or pastes) `question`, presses Enter, waits for the answer line after `you › <shown>`.
    static func answer(_ t: TmuxSession, shown: String, timeout: Double = 30) -> String? {
        var given: String?
        _ = t.waitUntil(timeout: timeout) { screen in
            given = appAnswer(to: shown, in: screen)
            return given.map(randomAnswers.contains) ?? false
        }
        return given
    }

    /// A bracketed paste of `text` (tmux wraps it in ESC[200~ … ESC[201~ because the app asked for it).
    static func paste(_ t: TmuxSession, _ text: String) throws {
        try TmuxSession.tmux(t.socket, ["set-buffer", "-b", "litevl", "--", text])
        try TmuxSession.tmux(t.socket, ["paste-buffer", "-p", "-d", "-b", "litevl", "-t", t.name])
    }

    /// The pane with wrapped lines joined.
    static func joined(_ t: TmuxSession) -> String {
        (try? TmuxSession.tmux(t.socket, ["capture-pane", "-J", "-p", "-t", t.name])) ?? ""
    }

    /// The row's message appears as a line of the pane, and the shell saw the row's exit code.
    static func expectRow(_ id: String, in t: TmuxSession, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let row = ErrorTable.row(id) else { Issue.record("docs/errors.md has no row \(id)", sourceLocation: sourceLocation); return }
        #expect(t.waitFor("EXIT=\(row.exit)", timeout: 20), "\(id): \(t.capture())", sourceLocation: sourceLocation)
        let lines = joined(t).split(separator: "\n")
        #expect(lines.contains { row.matches($0) }, "\(id): expected \(row.message) in\n\(joined(t))", sourceLocation: sourceLocation)
    }

    @Test("TERM=dumb and an unknown TERM are refused with one line, exit 1")
    func refusedTerminals() throws {
        let dumb = try Self.start(tag: "dumb", history: URL(fileURLWithPath: "/dev/null"), width: 240, height: 10, environment: ["TERM": "dumb"])
        defer { dumb.kill() }
        let unknown = try Self.start(tag: "unknown", history: URL(fileURLWithPath: "/dev/null"), width: 240, height: 10,
                                     environment: ["TERM": "no-such-terminal"])
        defer { unknown.kill() }
        Self.expectRow("terminal.dumb", in: dumb)
        Self.expectRow("terminal.unknown", in: unknown)
        // Nothing else was drawn: the refusal comes before the first frame.
        #expect(!dumb.capture().contains("ask ›"), "\(dumb.capture())")
    }

    @Test("TERM=vt100 and LANG=C LC_ALL=C: the app answers, draws, and quits cleanly")
    func vt100AndCLocale() throws {
        let vt = try Self.start(tag: "vt100", history: URL(fileURLWithPath: "/dev/null"), environment: ["TERM": "vt100"])
        defer { vt.kill() }
        let c = try Self.start(tag: "clocale", history: URL(fileURLWithPath: "/dev/null"),
                               environment: ["TERM": "tmux-256color", "LANG": "C", "LC_ALL": "C"])
        defer { c.kill() }
        for t in [vt, c] { #expect(t.waitFor("T=4", timeout: 40), "\(t.capture())") }
        // vt100 has no colours: nothing but plain text and attributes.
        let vtScreen = vt.capture(escapes: true)
        #expect(!vtScreen.contains("38;5;") && !vtScreen.contains("48;5;"), "colour escapes on a vt100")
        try vt.sendKeys("is there a red circle?", literal: true)
        try vt.sendKeys("Enter")
        #expect(Self.answer(vt, shown: "is there a red circle?") != nil, "\(vt.capture())")
        // The C locale: wide characters still come out (C.UTF-8), typed non-ASCII text too.
        try c.sendKeys("où est le carré?", literal: true)
        try c.sendKeys("Enter")
        #expect(Self.answer(c, shown: "où est le carré?") != nil, "\(c.capture())")
        #expect(c.capture().contains("▀"), "half blocks under LANG=C: \(c.capture())")
        for t in [vt, c] {
            try t.sendKeys("q")
            #expect(t.waitFor("EXIT=0"), "\(t.capture())")
        }
        #expect(c.format("#{alternate_on}") == "0")
        // vt100 has no alternate screen: the app clears what it drew before leaving.
        #expect(!vt.capture().contains("ask ›") && !vt.capture().contains("▀") && !vt.capture().contains("#"), "\(vt.capture())")
    }

    @Test("20x8 with NO_COLOR, then 100 resizes in a row: no colour, no crash, and it still answers")
    func tinyNoColorAndResizeStorm() throws {
        let t = try Self.start(tag: "storm", history: URL(fileURLWithPath: "/dev/null"), width: 20, height: 8,
                               environment: ["TERM": "tmux-256color", "NO_COLOR": "1"])
        defer { t.kill() }
        #expect(t.waitUntil(timeout: 30) { $0.contains("ask") }, "\(t.capture())")
        let tiny = t.capture().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(tiny.count <= 9 && tiny.allSatisfy { $0.count <= 20 }, "\(tiny)")
        // Deterministic sizes from 1x1 to 200x60, as fast as tmux takes them.
        var seed: UInt64 = 42
        let began = Date()
        for _ in 0..<100 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let w = 1 + Int((seed >> 33) % 200), h = 1 + Int((seed >> 13) % 60)
            try t.resize(width: w, height: h)
        }
        let stormSeconds = Date().timeIntervalSince(began)
        #expect(stormSeconds < 30)
        try t.resize(width: 100, height: 30)
        #expect(t.waitFor("T=4", timeout: 30), "after the storm: \(t.capture())")
        #expect(!t.capture().contains("EXIT="), "the app died during the resizes: \(t.capture())")
        let screen = t.capture(escapes: true)
        #expect(!screen.contains("38;5;") && !screen.contains("48;5;") && !screen.contains("38;2;"), "colour escapes under NO_COLOR")
        try t.sendKeys("what color is the square?", literal: true)
        try t.sendKeys("Enter")
        #expect(Self.answer(t, shown: "what color is the square?") != nil, "\(t.capture())")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
        #expect(t.format("#{alternate_on}") == "0")
    }

    @Test("pasted control characters: raw bytes act as keys without crashing; a bracketed paste is text; 5,000 characters are cut to 4,096")
    func pastedControlCharacters() throws {
        let history = Self.temp("paste.jsonl")
        defer { try? FileManager.default.removeItem(at: history) }
        let tag = "paste-\(UUID().uuidString)"
        let t = try Self.start(tag: tag, history: history)
        defer { t.kill() }
        // Raw Ctrl-S / `e` may export the session: into this temporary folder.
        defer { try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("litevl-hard-\(tag)")) }
        #expect(t.waitFor("T=4", timeout: 40), "\(t.capture())")

        // 1. Raw bytes (what a terminal without bracketed paste sends): every control byte but the documented
        //    quit keys (Ctrl-C, Ctrl-D) and the library view (Ctrl-R, which starts encoding a folder), and
        //    escape sequences (SGR, cursor keys, OSC title, clear screen, an unfinished CSI).
        let controls = (1...31).filter { ![3, 4, 18].contains($0) }.map { String(UnicodeScalar(UInt8($0))) }.joined()
        let raw = "abc" + controls + "\u{1B}[31mred\u{1B}[0m\u{1B}OA\u{1B}[A\u{1B}]0;title\u{07}\u{1B}[2J\u{1B}[" + "xyz"
        try t.sendKeys(raw, literal: true)
        Thread.sleep(forTimeInterval: 1)
        #expect(!t.capture().contains("EXIT="), "the app died on raw control bytes: \(t.capture())")
        #expect(t.capture().contains("bikes.mp4"), "\(t.capture())")

        // Back to a known state: Escape closes a prompt or the zoom; a paste focuses the input line; clear it.
        try t.sendKeys("Escape")
        try t.sendKeys("Escape")
        try Self.paste(t, "x")
        try t.sendKeys("C-e")
        try t.sendKeys("C-u")
        #expect(t.waitUntil { $0.split(separator: "\n").contains { $0.hasPrefix("ask ›") && !$0.contains("x") } }, "\(t.capture())")

        // 2. A bracketed paste: control characters dropped, line breaks and tabs as spaces, `q` and ESC inert.
        try Self.paste(t, "q what\u{01}\u{02}\u{03}\u{04}\u{1B}[31m color\tis\nthe\u{0F}\u{13} square?")
        #expect(t.waitFor("ask › q what[31m color is the square?"), "\(t.capture())")
        try t.sendKeys("Enter")
        #expect(Self.answer(t, shown: "q what[31m color is the square?") != nil, "\(t.capture())")

        // 3. 5,000 characters: the line keeps 4,096, and asking gives the one-line length error.
        try Self.paste(t, String(repeating: "a", count: 5000))
        try t.sendKeys("Enter")
        #expect(t.waitFor("error: the question is longer than 1000 characters", timeout: 20), "\(t.capture())")
        #expect(!t.capture().contains("EXIT="))

        let questions = TranscriptLines(history).questions
        #expect(questions.contains("q what[31m color is the square?"), "\(questions)")
        #expect(questions.last?.count == 4096)
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }

    @Test("SIGINT restores the terminal (exit 130); the next start reloads the history into Up from $XDG_STATE_HOME")
    func sigintAndHistoryReload() throws {
        let state = Self.temp("state")
        defer { try? FileManager.default.removeItem(at: state) }
        let env = ["TERM": "tmux-256color", "XDG_STATE_HOME": state.path]
        let tag = "sigint-\(UUID().uuidString)"
        let first = try Self.start(tag: tag, environment: env)
        defer { first.kill() }
        #expect(first.waitFor("T=4", timeout: 40), "\(first.capture())")
        try first.sendKeys("is the red circle moving?", literal: true)
        try first.sendKeys("Enter")
        #expect(Self.answer(first, shown: "is the red circle moving?") != nil, "\(first.capture())")
        try first.sendKeys("half-typed", literal: true)
        let pids = litevlPids(matching: tag)
        #expect(pids.count == 1, "\(pids)")
        for pid in pids { kill(pid, SIGINT) }
        #expect(first.waitFor("EXIT=130"), "\(first.capture())")
        #expect(first.format("#{alternate_on}") == "0", "still on the alternate screen")
        #expect(first.format("#{cursor_flag}") == "1", "cursor left hidden")
        #expect(!first.capture().contains("ask ›"))

        // Saved where the docs say, question and answer, before the signal.
        let file = state.appendingPathComponent("litevl/history.jsonl")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        #expect(TranscriptLines(file).questions == ["is the red circle moving?"], "\(text)")
        #expect(text.contains("\"kind\":\"answer\""), "\(text)")

        let second = try Self.start(tag: "reload-\(UUID().uuidString)", environment: env)
        defer { second.kill() }
        #expect(second.waitFor("ask ›", timeout: 40), "\(second.capture())")
        try second.sendKeys("Up")
        #expect(second.waitFor("ask › is the red circle moving?"), "Up recalls the last session's question: \(second.capture())")
        try second.sendKeys("C-u")
        try second.sendKeys("q")
        #expect(second.waitFor("EXIT=0"), "\(second.capture())")
    }
}
