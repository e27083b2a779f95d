import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension TmuxSession {
    /// A tmux format of the pane, e.g. `#{alternate_on}` (1 while a full-screen program holds the
    /// alternate screen) or `#{cursor_flag}` (1 when the cursor is visible).
    func format(_ f: String) -> String {
        ((try? Self.tmux(socket, ["display-message", "-p", "-t", name, f])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until `condition` holds on the captured pane.
    func waitUntil(timeout: Double = 10, _ condition: (String) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition(capture()) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}

/// Pids of `litevl` processes whose command line contains `text` (`pgrep -f`, keeping only the
/// processes named litevl: the shell that started them has the same text in its command line).
func litevlPids(matching text: String) -> [pid_t] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    p.arguments = ["-f", "--", text]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return [] }
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap { pid_t($0) }.filter { pid in
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "litevl"
    }
}

/// The answer printed on the line after `you › question` ("› <answer>  0.1s").
func appAnswer(to question: String, in screen: String) -> String? {
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    guard let q = lines.lastIndex(where: { $0.contains("you › \(question)") }), q + 1 < lines.count else { return nil }
    let next = lines[q + 1].trimmingCharacters(in: .whitespaces)
    guard next.hasPrefix("› ") else { return nil }
    return next.dropFirst(2).split(separator: " ").first.map(String.init)
}

let randomAnswers = ["circle", "square", "triangle", "red", "green", "blue", "yellow", "yes", "no"]

extension TerminalTests {
    /// Starts the app on `clip` with the random model and a fresh history file.
    func startApp(clip: String = CLI.clip("bikes.mp4"), width: Int = 120, height: Int = 36, extra: String = "",
                  history: URL) throws -> TmuxSession {
        let command = "\(litevl) \(TmuxSession.quote(clip)) --model \(TmuxSession.quote(CLI.randomModel.path)) --history \(TmuxSession.quote(history.path)) \(extra)"
        return try TmuxSession(command: command, width: width, height: height)
    }

    func tempFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("litevl-\(UUID().uuidString)-\(name)")
    }

    /// Types a question, presses Enter and returns the answer the app shows (nil after 15 s).
    func ask(_ t: TmuxSession, _ question: String) throws -> String? {
        try t.sendKeys(question, literal: true)
        try t.sendKeys("Enter")
        var given: String?
        _ = t.waitUntil(timeout: 15) { screen in
            given = appAnswer(to: question, in: screen)
            return given.map(randomAnswers.contains) ?? false
        }
        return given
    }

    @Test("a broken file opened mid-session shows an error; the previous clip still answers and the history is intact")
    func openBrokenClip() throws {
        let history = tempFile("history.jsonl")
        let broken = tempFile("broken.mp4")
        try "this is a text file, not a video\n".write(to: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: history); try? FileManager.default.removeItem(at: broken) }
        let t = try startApp(history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30), "\(t.capture())")
        let first = try ask(t, "what color is the square?")
        #expect(first.map(randomAnswers.contains) == true, "\(t.capture())")

        // o (here Ctrl-O, from the input line): the prompt starts in the clip's directory and lists its videos.
        try t.sendKeys("C-o")
        #expect(t.waitFor("open a clip"), "\(t.capture())")
        #expect(t.waitFor("carphone_pristine.mp4"), "the clip directory's videos are listed: \(t.capture())")
        try t.sendKeys("C-u")
        try t.sendKeys(broken.path, literal: true)
        try t.sendKeys("Enter")
        #expect(t.waitFor("error: could not open \(broken.lastPathComponent)", timeout: 20), "\(t.capture())")
        #expect(t.capture().contains("not a video file"), "\(t.capture())")
        let status = t.capture().split(separator: "\n").first.map(String.init) ?? ""
        #expect(status.contains("bikes.mp4"), "the status bar still shows the previous clip: \(status)")

        // Still answering about bikes.mp4: the same answer as `litevl ask` on it.
        let question = "is there a circle?"
        let second = try ask(t, question)
        let cli = try CLI.run(["ask", CLI.clip("bikes.mp4"), question, "--model", CLI.randomModel.path, "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let cliAnswer = (cli.json?["answers"] as? [[String: Any]])?.first?["answer"] as? String
        #expect(second != nil && second == cliAnswer, "app \(second ?? "none") vs ask \(cli.stdout)")

        // Up recalls both questions; the history file has them and the error.
        let saved = try String(contentsOf: history, encoding: .utf8)
        #expect(saved.contains("what color is the square?") && saved.contains(question))
        try t.sendKeys("Up")
        #expect(t.waitFor("ask › \(question)"))
        try t.sendKeys("C-u")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }

    @Test("without a model the app opens the clip, says why in one line, and answers each question with that reason")
    func missingModel() throws {
        let history = tempFile("history.jsonl")
        let assets = tempFile("no-assets")
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: history); try? FileManager.default.removeItem(at: assets) }
        let command = "\(litevl) \(TmuxSession.quote(CLI.clip("bikes.mp4"))) --history \(TmuxSession.quote(history.path))"
        let t = try TmuxSession(command: command, width: 120, height: 36,
                                environment: ["TERM": "tmux-256color", "LITEVL_ASSETS": assets.path])
        defer { t.kill() }
        #expect(t.waitFor("no model", timeout: 30), "\(t.capture())")
        #expect(t.waitFor("error: no model:"), "\(t.capture())")
        #expect(t.waitFor("T=8", timeout: 30), "8 frames without a model's T: \(t.capture())")
        #expect(t.capture().contains("▀"), "the frames still show: \(t.capture())")
        try t.sendKeys("what is this?", literal: true)
        try t.sendKeys("Enter")
        #expect(t.waitUntil { s in s.split(separator: "\n").contains { $0.contains("› error:") } }, "\(t.capture())")
        #expect(TranscriptLines(history).questions == ["what is this?"])
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }

    @Test("opening another clip through the prompt (Tab completion) keeps the conversation and updates the status bar")
    func openAnotherClipFromTheList() throws {
        let history = tempFile("history.jsonl")
        defer { try? FileManager.default.removeItem(at: history) }
        let t = try startApp(history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30))
        let first = try ask(t, "what color is the square?")
        #expect(first != nil)
        try t.sendKeys("Tab")
        try t.sendKeys("o")
        #expect(t.waitFor("open a clip"))
        // Type the start of the name, Tab completes it.
        try t.sendKeys("carph", literal: true)
        try t.sendKeys("Tab")
        #expect(t.waitFor("carphone_pristine.mp4"), "\(t.capture())")
        try t.sendKeys("Enter")
        #expect(t.waitFor("opened carphone_pristine.mp4", timeout: 30), "\(t.capture())")
        let status = t.capture().split(separator: "\n").first.map(String.init) ?? ""
        #expect(status.contains("carphone_pristine.mp4") && status.contains("x144"), "\(status)")
        #expect(t.capture().contains("you › what color is the square?"))
        try t.sendKeys("Tab")
        let second = try ask(t, "what color is the car?")
        #expect(second.map(randomAnswers.contains) == true, "\(t.capture())")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
    }

    @Test("SIGTERM and SIGHUP restore the terminal and end the app", arguments: [("TERM", SIGTERM, 143), ("HUP", SIGHUP, 129)])
    func signalsRestoreTheTerminal(name: String, signal: Int32, status: Int) throws {
        let history = tempFile("sig-\(name).jsonl")     // unique: it finds the pid
        defer { try? FileManager.default.removeItem(at: history) }
        let t = try startApp(history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30))
        _ = try ask(t, "what color is the square?")
        #expect(t.format("#{alternate_on}") == "1")
        let pids = litevlPids(matching: history.path)
        #expect(pids.count == 1, "pids \(pids)")
        for pid in pids { kill(pid, signal) }
        #expect(t.waitFor("EXIT=\(status)"), "\(t.capture())")
        #expect(t.format("#{alternate_on}") == "0", "still on the alternate screen")
        #expect(t.format("#{cursor_flag}") == "1", "cursor left hidden")
        #expect(!t.capture().contains("ask ›"), "\(t.capture())")
        #expect(litevlPids(matching: history.path).isEmpty)
        // What was asked before the signal is in the history.
        #expect(TranscriptLines(history).questions == ["what color is the square?"])
    }

    @Test("resizing down to 40x12 and back keeps the screen sane")
    func resizeDownAndBack() throws {
        let history = tempFile("history.jsonl")
        defer { try? FileManager.default.removeItem(at: history) }
        let t = try startApp(width: 100, height: 30, history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30))
        _ = try ask(t, "what color is the square?")
        try t.resize(width: 40, height: 12)
        #expect(t.waitUntil { s in s.split(separator: "\n", omittingEmptySubsequences: false).count <= 13 && s.contains("ask ›") })
        Thread.sleep(forTimeInterval: 0.5)
        let small = t.capture()
        let rows = small.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows.count <= 12 || (rows.count == 13 && rows.last == ""), "\(rows.count) rows")
        #expect(rows.allSatisfy { $0.count <= 40 }, "\(small)")
        #expect(rows.first?.hasPrefix(" bikes.mp4") == true, "status bar on top: \(small)")
        #expect(rows.contains { $0.hasPrefix("ask ›") }, "\(small)")
        #expect(small.contains("▀"), "thumbnails still drawn at 40x12: \(small)")
        try t.resize(width: 100, height: 30)
        #expect(t.waitFor("temporal scale s_l"), "\(t.capture())")
        let big = t.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(big.first?.contains("random-tiny") == true)
        #expect(big.contains { $0.contains("you › what color is the square?") })
        #expect(big.contains { $0.hasPrefix("ask ›") })
        #expect(big.contains { $0.contains("INPUT") })
        #expect(!t.capture().contains("EXIT="))
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"))
    }

    @Test("moving across frames and toggling the overlay change the drawn colours; q restores the terminal")
    func framesOverlayAndQuit() throws {
        let history = tempFile("history.jsonl")
        defer { try? FileManager.default.removeItem(at: history) }
        let t = try startApp(history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30))
        _ = try ask(t, "what color is the square?")
        try t.sendKeys("Tab")
        #expect(t.waitFor("FRAMES"))
        try t.sendKeys("1")
        #expect(t.waitFor("▸1 "))
        Thread.sleep(forTimeInterval: 0.3)
        let onFirst = t.capture(escapes: true)
        try t.sendKeys("Right")
        #expect(t.waitFor("▸2 "))
        Thread.sleep(forTimeInterval: 0.3)
        let onSecond = t.capture(escapes: true)
        #expect(onFirst != onSecond, "selecting another frame moves the attention overlay")
        try t.sendKeys("a")
        Thread.sleep(forTimeInterval: 0.5)
        let overlayOff = t.capture(escapes: true)
        #expect(overlayOff != onSecond, "the overlay toggles off")
        try t.sendKeys("a")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(t.capture(escapes: true) == onSecond, "and back on, identically")
        try t.sendKeys("z")
        #expect(t.waitFor("frame 2/4"), "\(t.capture())")
        try t.sendKeys("Escape")
        // Esc and q sent at once would be Alt-q (no command): q follows once the zoom has closed.
        #expect(t.waitForAbsence("frame 2/4"), "\(t.capture())")
        #expect(t.waitFor("FRAMES"))
        #expect(t.format("#{alternate_on}") == "1")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"), "\(t.capture())")
        #expect(t.format("#{alternate_on}") == "0")
        #expect(t.format("#{cursor_flag}") == "1")
        #expect(!t.capture().contains("▀") && !t.capture().contains("FRAMES"), "\(t.capture())")
    }

    @Test("e exports a Markdown + JSON transcript and PNG frames with attention maps")
    func exportSession() throws {
        let history = tempFile("history.jsonl")
        let base = tempFile("export")
        defer { try? FileManager.default.removeItem(at: history); try? FileManager.default.removeItem(at: base) }
        let t = try startApp(extra: "--export-dir \(TmuxSession.quote(base.path))", history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30))
        let answer = try ask(t, "what color is the square?")
        try t.sendKeys("C-s")
        #expect(t.waitFor("exported", timeout: 20), "\(t.capture())")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        #expect(dirs.count == 1 && dirs[0].hasPrefix("litevl-export-bikes-"), "\(dirs)")
        guard let d = dirs.first.map({ base.appendingPathComponent($0) }) else { return }
        #expect(t.capture().contains(d.lastPathComponent), "the path is shown")
        let md = try String(contentsOf: d.appendingPathComponent("transcript.md"), encoding: .utf8)
        #expect(md.contains("what color is the square?") && md.contains("**\(answer ?? "?")**"))
        #expect(md.contains("![](frames/frame-01.png)"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: d.appendingPathComponent("transcript.json"))) as? [String: Any]
        let qs = json?["questions"] as? [[String: Any]]
        #expect(qs?.first?["question"] as? String == "what color is the square?")
        #expect(qs?.first?["answer"] as? String == answer)
        #expect((json?["frames"] as? [Any])?.count == 4)
        for f in ["frames/frame-01.png", "frames/frame-04.png", "attention/q01-frame-01.png", "attention/q01-frame-04.png"] {
            let bytes = (try? Data(contentsOf: d.appendingPathComponent(f))) ?? Data()
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(f) is a PNG")
        }
        // The overlay changes the picture.
        let plain = try Data(contentsOf: d.appendingPathComponent("frames/frame-01.png"))
        let heat = try Data(contentsOf: d.appendingPathComponent("attention/q01-frame-01.png"))
        #expect(plain.count > 1000 && plain != heat)
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"))
    }

    @Test("litevl demo types the questions, answers, browses frames and ends by itself; --loop runs until a key")
    func demo() throws {
        let manifest = tempFile("demo.jsonl")
        let lines = [("bikes.mp4", "what color is the bike?"), ("bikes.mp4", "is it sunny?"),
                     ("carphone_pristine.mp4", "is there a car?")]
            .map { "{\"video\": \"\(CLI.clip($0.0))\", \"question\": \"\($0.1)\"}" }
        try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: manifest) }
        let base = "\(litevl) demo --model \(TmuxSession.quote(CLI.randomModel.path)) --manifest \(TmuxSession.quote(manifest.path))"

        let t = try TmuxSession(command: base + " --speed 3", width: 110, height: 32)
        defer { t.kill() }
        #expect(t.waitFor("DEMO", timeout: 30), "\(t.capture())")
        #expect(t.waitFor("ask › what col", timeout: 30), "typed out: \(t.capture())")
        #expect(t.waitUntil(timeout: 30) { appAnswer(to: "what color is the bike?", in: $0).map(randomAnswers.contains) ?? false }, "\(t.capture())")
        #expect(t.waitFor("you › is it sunny?", timeout: 30))
        #expect(t.waitFor("FRAMES", timeout: 30), "browses the frames")
        #expect(t.waitFor("opened carphone_pristine.mp4", timeout: 60), "\(t.capture())")
        #expect(t.waitFor("you › is there a car?", timeout: 30))
        #expect(t.waitFor("EXIT=0", timeout: 60), "ends by itself: \(t.capture())")

        let l = try TmuxSession(command: base + " --loop --speed 10 --clips 1 --questions 1", width: 110, height: 32)
        defer { l.kill() }
        #expect(l.waitFor("opened bikes.mp4", timeout: 60), "starts over: \(l.capture())")
        try l.sendKeys("x")
        #expect(l.waitFor("EXIT=0"), "\(l.capture())")
        #expect(l.format("#{alternate_on}") == "0")
    }
}

/// The questions of a history file.
struct TranscriptLines {
    let questions: [String]
    init(_ url: URL) {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        questions = text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "question" else { return nil }
            return o["question"] as? String
        }
    }
}
