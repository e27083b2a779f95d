import Foundation
import Testing

/// The app in a real terminal: tmux runs `litevl`, keys are sent, the screen is read back.
@Suite("litevl in a real terminal (tmux)", .serialized)
struct TerminalTests {
    var litevl: String { TmuxSession.quote(CLI.executable.path) }

    @Test("the tmux helper drives a plain program")
    func tmuxHelper() throws {
        let t = try TmuxSession(command: "printf 'hello 你好\\n'; read line; echo got:$line", width: 40, height: 6)
        defer { t.kill() }
        #expect(t.waitFor("hello 你好"))
        try t.sendKeys("abc", literal: true)
        try t.sendKeys("Enter")
        #expect(t.waitFor("got:abc"))
        #expect(t.waitFor("EXIT=0"))
    }

    @Test("ncurses initialises, draws wide and half-block characters, and restores the terminal")
    func ncursesSmoke() throws {
        let t = try TmuxSession(command: "\(litevl) smoke-tui", width: 80, height: 20)
        defer { t.kill() }
        #expect(t.waitFor("litevl ncurses ok ▀▄ 你好"), "\(t.capture())")
        #expect(t.capture().contains("256"))
        try t.sendKeys("x")
        #expect(t.waitFor("EXIT=0"))
        // Back on the normal screen: the smoke screen's text is gone.
        #expect(!t.capture().contains("litevl ncurses ok"))
    }

    @Test("open a clip, ask, get an answer saved to the history, quit cleanly")
    func askInTheApp() throws {
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: history) }
        let command = "\(litevl) \(TmuxSession.quote(CLI.clip("bikes.mp4"))) --model \(TmuxSession.quote(CLI.randomModel.path)) --history \(TmuxSession.quote(history.path))"
        let t = try TmuxSession(command: command, width: 120, height: 36)
        defer { t.kill() }
        #expect(t.waitFor("bikes.mp4", timeout: 30), "\(t.capture())")
        #expect(t.waitFor("random-tiny", timeout: 30))
        // The sampled frames' timestamps: the middles of 4 segments of a 10 s clip.
        #expect(t.waitFor("1.2s", timeout: 30), "\(t.capture())")
        #expect(t.capture().contains("8.7s"))
        try t.sendKeys("what color is the square?", literal: true)
        try t.sendKeys("Enter")
        let candidates = ["circle", "square", "triangle", "red", "green", "blue", "yellow", "yes", "no"]
        // The answer appears on the line after the question: "› <answer>", one of the candidates.
        func answer(in screen: String) -> String? {
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            guard let q = lines.firstIndex(where: { $0.contains("you › what color is the square?") }), q + 1 < lines.count else { return nil }
            let next = lines[q + 1].trimmingCharacters(in: .whitespaces)
            guard next.hasPrefix("› ") else { return nil }
            return next.dropFirst(2).split(separator: " ").first.map(String.init)
        }
        var given: String?
        for _ in 0..<150 where !candidates.contains(given ?? "") {
            Thread.sleep(forTimeInterval: 0.1)
            given = answer(in: t.capture())  // "⠹ thinking…" until the answer arrives
        }
        let answered = given.map { candidates.contains($0) } ?? false
        #expect(answered, "answer \(given ?? "none") in \(t.capture())")
        // Colour thumbnails (256-colour in tmux) and half blocks.
        let escapes = t.capture(escapes: true)
        #expect(escapes.contains("38;5;") || escapes.contains("48;5;"), "no 256-colour escapes")
        #expect(t.capture().contains("▀"))
        let saved = try String(contentsOf: history, encoding: .utf8)
        #expect(saved.contains("what color is the square?"))
        // Alt-q and Alt-e (ESC and the letter at once) are not Esc then q / e: no quit, no export.
        try t.sendKeys("M-q"); try t.sendKeys("M-e")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!t.capture().contains("EXIT=") && !t.capture().contains("exported") && !t.capture().contains("exporting"), "\(t.capture())")
        // Esc then Ctrl-C sent together (a script, a fast typist): both are read, Ctrl-C quits.
        try t.sendKeys("Escape"); try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }

    @Test("NO_COLOR draws without colour escapes")
    func noColor() throws {
        let command = "\(litevl) \(TmuxSession.quote(CLI.clip("carphone_pristine.mp4"))) --model \(TmuxSession.quote(CLI.randomModel.path)) --history /dev/null"
        let t = try TmuxSession(command: command, width: 100, height: 30, environment: ["TERM": "tmux-256color", "NO_COLOR": "1"])
        defer { t.kill() }
        #expect(t.waitFor("carphone_pristine.mp4", timeout: 30))
        #expect(t.waitFor("ask", timeout: 30))
        let screen = t.capture(escapes: true)
        #expect(!screen.contains("38;5;") && !screen.contains("38;2;") && !screen.contains("48;5;"), "colour escapes under NO_COLOR")
        try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0"))
    }

    @Test("a 20x8 terminal and resizes neither crash nor hang the app")
    func tinyAndResized() throws {
        let command = "\(litevl) \(TmuxSession.quote(CLI.clip("carphone_pristine.mp4"))) --model \(TmuxSession.quote(CLI.randomModel.path)) --history /dev/null"
        let t = try TmuxSession(command: command, width: 20, height: 8)
        defer { t.kill() }
        Thread.sleep(forTimeInterval: 2)
        for (w, h) in [(60, 20), (10, 4), (120, 40), (20, 8)] {
            try t.resize(width: w, height: h)
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(!t.capture().contains("EXIT="), "the app died: \(t.capture())")
        try t.sendKeys("C-c")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }
}
