import Foundation
import Testing
@testable import TerminalUI

@Suite struct ReducerTests {
    @Test func enterAsksAndRecords() {
        var s = readyState(answered: false)
        for c in "what is he doing?" { _ = s.handle(.key(.char(c))) }
        let fx = s.handle(.key(.enter))
        #expect(fx.contains(.ask(id: 1, question: "what is he doing?")))
        #expect(fx.contains { if case .record(let r) = $0 { return r.kind == "question" && r.clip == "bikes.mp4" }; return false })
        #expect(s.entries.count == 1 && s.entries[0].status == .queued)
        #expect(s.editor.isEmpty)
        _ = s.handle(.answerStarted(id: 1, at: 1))
        #expect(s.isBusy)
        let fx2 = s.handle(.answered(id: 1, testAnswer(frames: 8)))
        #expect(fx2.count == 1)
        #expect(!s.isBusy)
        #expect(s.selectedFrame == 7)         // jumps to the most relevant frame
        #expect(s.lastResult?.answer == "riding")
        // Empty enter does nothing.
        #expect(s.handle(.key(.enter)).isEmpty)
    }

    @Test func frameSelectionWhenInputEmpty() {
        var s = readyState()
        _ = s.handle(.key(.char("3"))); #expect(s.selectedFrame == 2 && s.editor.isEmpty)
        _ = s.handle(.key(.right)); #expect(s.selectedFrame == 3)
        _ = s.handle(.key(.left)); _ = s.handle(.key(.left)); #expect(s.selectedFrame == 1)
        _ = s.handle(.key(.char("9"))); #expect(s.selectedFrame == 1)   // only 8 frames
        // With text, arrows edit and digits type.
        _ = s.handle(.key(.char("x"))); _ = s.handle(.key(.char("2")))
        #expect(s.editor.text == "x2")
        _ = s.handle(.key(.left)); #expect(s.selectedFrame == 1 && s.editor.cursor == 1)
    }

    @Test func focusLayersOverlayZoom() {
        var s = readyState()
        _ = s.handle(.key(.tab)); #expect(s.focus == .frames)
        #expect(s.shownAttentionLayer == 11)
        _ = s.handle(.key(.char("["))); #expect(s.shownAttentionLayer == 10)
        _ = s.handle(.key(.char("]"))); _ = s.handle(.key(.char("]"))); #expect(s.shownAttentionLayer == 11)
        _ = s.handle(.key(.char("a"))); #expect(!s.overlay)
        _ = s.handle(.key(.char("a"))); #expect(s.overlay)
        _ = s.handle(.key(.char("z"))); #expect(s.zoomed)
        _ = s.handle(.key(.right)); #expect(s.selectedFrame == 7)      // already last
        _ = s.handle(.key(.left)); #expect(s.selectedFrame == 6)
        #expect(s.handle(.key(.char("q"))).isEmpty); #expect(!s.zoomed)   // q leaves zoom, not the app
        _ = s.handle(.key(.enter)); #expect(s.zoomed)
        _ = s.handle(.key(.escape)); #expect(!s.zoomed)
        // Typing in the frames focus starts a question.
        _ = s.handle(.key(.char("x"))); #expect(s.focus == .input && s.editor.text == "x")
    }

    @Test func quitting() {
        var s = readyState()
        _ = s.handle(.key(.char("x")))
        #expect(s.handle(.key(.ctrl("c"))).isEmpty && s.editor.isEmpty)   // clears first
        #expect(s.handle(.key(.ctrl("c"))) == [.quit])
        var t = readyState()
        #expect(t.handle(.key(.ctrl("d"))) == [.quit])
        var u = readyState()
        _ = u.handle(.key(.char("a")))
        #expect(u.handle(.key(.char("q"))).isEmpty && u.editor.text == "aq")   // q types inside a question
        _ = u.handle(.key(.ctrl("u")))
        #expect(u.handle(.key(.char("q"))) == [.quit])                          // and quits on an empty line
        var v = readyState()
        _ = v.handle(.key(.tab))
        #expect(v.handle(.key(.char("q"))) == [.quit])                          // and from the frames
    }

    @Test func helpOverlay() {
        var s = readyState()
        _ = s.handle(.key(.char("?"))); #expect(s.helpShown)
        _ = s.handle(.key(.char("x"))); #expect(!s.helpShown && s.editor.isEmpty)
        _ = s.handle(.key(.function(1))); #expect(s.helpShown)
        _ = s.handle(.key(.escape)); #expect(!s.helpShown)
    }

    @Test func editingKeysAndHistory() {
        var s = readyState()          // history: "what happens?"
        for c in "hello world" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.ctrl("w"))); #expect(s.editor.text == "hello ")
        _ = s.handle(.key(.ctrl("a"))); _ = s.handle(.key(.delete)); #expect(s.editor.text == "ello ")
        _ = s.handle(.key(.ctrl("e"))); _ = s.handle(.key(.backspace)); #expect(s.editor.text == "ello")
        _ = s.handle(.key(.home)); _ = s.handle(.key(.ctrl("k"))); #expect(s.editor.text.isEmpty)
        _ = s.handle(.key(.up)); #expect(s.editor.text == "what happens?")
        _ = s.handle(.key(.down)); #expect(s.editor.text.isEmpty)
    }

    @Test func scrolling() {
        var s = readyState(width: 80, height: 24)
        for i in 0..<20 {
            for c in "question \(i)" { _ = s.handle(.key(.char(c))) }
            _ = s.handle(.key(.enter))
            _ = s.handle(.answered(id: i + 2, testAnswer(frames: 8)))
        }
        #expect(s.scrollBack == 0)
        _ = s.handle(.key(.pageUp)); #expect(s.scrollBack > 0)
        for _ in 0..<100 { _ = s.handle(.key(.pageUp)) }
        let top = s.scrollBack
        let total = ConversationView.lines(s, width: s.layout.conversation.width).count
        #expect(top == total - s.layout.conversation.height)
        let canvas = ScreenRenderer.render(s, cache: ThumbnailCache())
        #expect(canvas.text.contains("what happens?"))          // the first question is visible at the top
        _ = s.handle(.key(.pageDown)); #expect(s.scrollBack < top)
        for _ in 0..<100 { _ = s.handle(.key(.pageDown)) }
        #expect(s.scrollBack == 0)
    }

    @Test func mouseSelectsFrame() {
        var s = readyState()
        let r = s.layout.thumbnails[5]
        _ = s.handle(.key(.mouse(x: r.x + 1, y: r.y)))
        #expect(s.selectedFrame == 5 && s.focus == .frames)
        _ = s.handle(.key(.mouse(x: 2, y: s.layout.input.y)))
        #expect(s.focus == .input)
    }

    @Test func resizeKeepsState() {
        var s = readyState()
        _ = s.handle(.resized(TerminalSize(width: 30, height: 10)))
        #expect(s.layout.width == 30)
        #expect(s.entries.count == 1)
    }
}

@Suite struct TranscriptTests {
    @Test func appendAndReload() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-tui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = TranscriptFile(url: dir.appendingPathComponent("sub/history.jsonl"))
        #expect(f.questions().isEmpty)
        try f.append(TranscriptRecord(kind: "question", clip: "a.mp4", question: "one?"))
        try f.append(TranscriptRecord(kind: "answer", clip: "a.mp4", question: "one?", answer: "yes", confidence: 0.5, seconds: 1))
        try f.append(TranscriptRecord(kind: "question", clip: "a.mp4", question: "两个？"))
        // A torn last line (killed mid-write) is skipped.
        let h = try FileHandle(forWritingTo: f.url); try h.seekToEnd(); try h.write(contentsOf: Data("{\"kind\":\"quest".utf8)); try h.close()
        #expect(f.questions() == ["one?", "两个？"])
        let lines = try String(contentsOf: f.url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
    }
}

@Suite struct AppLoopTests {
    @Test func fullSessionOnFakeDriver() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-tui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hist = dir.appendingPathComponent("history.jsonl")
        try TranscriptFile(url: hist).append(TranscriptRecord(kind: "question", clip: nil, question: "old question"))
        let backend = ScriptedBackend()
        var script: [FakeDriver.Step] = [.waitForText("T=8", polls: 500)]
        script += "is it sunny?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("answer to is it sunny? on bikes.mp4", polls: 500),
                   .resize(width: 60, height: 20), .waitForText("ask", polls: 50),
                   .key(.up), .key(.up), .waitForText("old question", polls: 50),
                   .key(.ctrl("u")), .key(.tab), .key(.char("z")), .waitForText("frame 8/8", polls: 50),
                   .key(.escape), .key(.char("q"))]
        let d = FakeDriver(width: 100, height: 30, script: script)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(historyFile: hist, clip: "bikes.mp4"), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 5000)
        #expect(d.timedOutWaits.isEmpty)
        #expect(d.script.isEmpty)
        #expect(d.outOfBounds.isEmpty)
        #expect(backend.questions == ["is it sunny?"])
        let q = TranscriptFile(url: hist).questions()
        #expect(q == ["old question", "is it sunny?"])
        let text = try String(contentsOf: hist, encoding: .utf8)
        #expect(text.contains("\"kind\":\"answer\""))
    }

    @Test func backendErrorsAreShownAndHistoryKept() async throws {
        let backend = ScriptedBackend(failAsk: true)
        var script: [FakeDriver.Step] = [.waitForText("T=8", polls: 500)]
        script += "fail?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("error: backend exploded", polls: 500), .key(.up),
                   .waitForText("ask › fail?", polls: 50), .key(.ctrl("c")), .key(.ctrl("c"))]
        let d = FakeDriver(width: 80, height: 24, script: script)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(clip: "bikes.mp4"), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 5000)
        #expect(d.timedOutWaits.isEmpty)
        #expect(d.script.isEmpty)
    }
}
