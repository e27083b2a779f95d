import Foundation
import Testing
@testable import TerminalUI

/// A temporary directory with a few files, removed at the end.
struct TempDir {
    let url: URL
    init(files: [String], directories: [String] = []) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-open-\(UUID().uuidString)")
        for d in directories { try FileManager.default.createDirectory(at: url.appendingPathComponent(d), withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for f in files { try Data("x".utf8).write(to: url.appendingPathComponent(f)) }
    }
    var path: String { url.path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite struct OpenPromptTests {
    let listing = DirectoryListing(directory: "clips/", entries: [
        .init(name: "..", isDirectory: true), .init(name: ".hidden.mp4", isDirectory: false),
        .init(name: "bikes.mp4", isDirectory: false), .init(name: "birds.mkv", isDirectory: false),
        .init(name: "bin", isDirectory: true), .init(name: "notes.txt", isDirectory: false),
        .init(name: "zebra.webm", isDirectory: false)])

    @Test func splitAndVideoNames() {
        #expect(OpenPrompt.split("a/b/c.mp4") == ("a/b/", "c.mp4"))
        #expect(OpenPrompt.split("c") == ("", "c"))
        #expect(OpenPrompt.split("/") == ("/", ""))
        #expect(DirectoryListing.isVideo("x.MP4") && DirectoryListing.isVideo("y.webm"))
        #expect(!DirectoryListing.isVideo("notes.txt") && !DirectoryListing.isVideo(".mp4") && !DirectoryListing.isVideo("mp4"))
    }

    @Test func choicesAreFoldersAndVideosMatchingTheName() {
        var p = OpenPrompt(path: "clips/")
        p.listing = listing
        #expect(p.choices.map(\.name) == ["..", "bikes.mp4", "birds.mkv", "bin", "zebra.webm"])
        p.editor.insert("bi"); p.textChanged()
        #expect(p.choices.map(\.name) == ["bikes.mp4", "birds.mkv", "bin"])
        // A listing of another directory offers nothing.
        p.setText("elsewhere/b")
        #expect(p.choices.isEmpty)
    }

    @Test func tabCompletesAsFarAsUnambiguous() {
        var p = OpenPrompt(path: "clips/b")
        p.listing = listing
        p.complete()
        #expect(p.editor.text == "clips/bi" && p.message == "3 matches")
        p.editor.insert("k"); p.textChanged()
        p.complete()
        #expect(p.editor.text == "clips/bikes.mp4")
        p.setText("clips/n"); p.complete()
        #expect(p.editor.text == "clips/notes.txt")          // Tab completes any file, not only videos
        p.setText("clips/bin"); p.complete()
        #expect(p.editor.text == "clips/bin/")               // a folder gets its slash
        p.setText("clips/q"); p.complete()
        #expect(p.editor.text == "clips/q" && p.message?.contains("no file") == true)
    }

    @Test func upDownPickAndEnterDecides() {
        var p = OpenPrompt(path: "clips/")
        p.listing = listing
        p.moveSelection(1)
        #expect(p.selection == 0 && p.editor.text == "clips/..")
        #expect(p.decide() == .enter(directory: "clips/../"))
        p.moveSelection(1)
        #expect(p.editor.text == "clips/bikes.mp4")
        #expect(p.choices.count == 5)                        // picking does not narrow the list
        #expect(p.decide() == .open("clips/bikes.mp4"))
        p.moveSelection(-1); p.moveSelection(-1)
        #expect(p.selection == nil && p.editor.text == "clips/")   // back to what was typed
        p.moveSelection(-1)
        #expect(p.editor.text == "clips/zebra.webm")
        p.setText("clips/bin")
        #expect(p.decide() == .enter(directory: "clips/bin/"))
        p.setText("clips/")
        #expect(p.decide() == .nothing)
    }

    @Test func readsARealDirectory() throws {
        let dir = try TempDir(files: ["a.mp4", "b.txt"], directories: ["sub"])
        defer { dir.remove() }
        let l = DirectoryListing.read(dir.path + "/")
        #expect(l.problem == nil)
        #expect(l.entries.map(\.name) == ["..", "a.mp4", "b.txt", "sub"])
        #expect(l.entries.first { $0.name == "sub" }?.isDirectory == true)
        #expect(DirectoryListing.read(dir.path + "/nope/").problem != nil)
    }
}

@Suite struct OpenAndExportReducerTests {
    @Test func oOpensThePromptInTheClipsDirectory() {
        var s = readyState()
        s.clip?.path = "/videos/bikes.mp4"
        _ = s.handle(.key(.tab))
        let fx = s.handle(.key(.char("o")))
        #expect(fx == [.listDirectory("/videos/")])
        #expect(s.openPrompt?.editor.text == "/videos/")
        // Keys go to the prompt: q types, Esc cancels.
        _ = s.handle(.key(.char("q")))
        #expect(s.openPrompt?.editor.text == "/videos/q" && !s.quitting)
        _ = s.handle(.key(.escape))
        #expect(s.openPrompt == nil && s.focus == .frames)
        _ = s.handle(.key(.tab))
        // In the input, o and e are letters (questions start with them); Ctrl-O / Ctrl-S are the commands there.
        _ = s.handle(.key(.char("o"))); _ = s.handle(.key(.char("e")))
        #expect(s.editor.text == "oe" && s.openPrompt == nil && !s.exporting)
        _ = s.handle(.key(.ctrl("u")))
        #expect(s.handle(.key(.ctrl("o"))) == [.listDirectory("/videos/")])
        _ = s.handle(.key(.escape))

    }

    @Test func enterOpensInTheBackgroundAndAFailureKeepsTheClip() {
        var s = readyState()
        _ = s.handle(.key(.ctrl("o")))
        for c in "broken.mp4" { _ = s.handle(.key(.char(c))) }
        let fx = s.handle(.key(.enter))
        #expect(fx == [.open(path: "broken.mp4")])
        #expect(s.openPrompt == nil)
        if case .opening = s.load {} else { Issue.record("not opening: \(s.load)") }
        let before = s.lastResult
        _ = s.handle(.clipFailed(path: "broken.mp4", "Invalid data found when processing input"))
        #expect(s.load == .ready)
        #expect(s.clip?.name == "bikes.mp4" && s.frames.count == 8)
        #expect(s.lastResult == before)                     // the maps of the previous clip still show
        #expect(s.notice?.contains("could not open broken.mp4") == true)
        let text = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(text.contains("error: could not open broken.mp4: Invalid data found"), "\(text)")
        #expect(s.editor.history == ["what happens?"])
    }

    @Test func aNewClipStartsFreshMapsButKeepsTheConversation() {
        var s = readyState()
        #expect(s.lastResult != nil)
        _ = s.handle(.openRequested("/v/other.mp4"))
        var info = testClip(); info.name = "other.mp4"; info.path = "/v/other.mp4"
        _ = s.handle(.clipOpened(OpenedClip(info: info, frames: testFrames(4), layerScales: testScales(6))))
        #expect(s.clip?.name == "other.mp4" && s.frames.count == 4 && s.layerScales.count == 6)
        #expect(s.lastResult == nil)                        // answers about bikes.mp4 do not fit these frames
        #expect(s.selectedFrame <= 3)
        let text = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(text.contains("you › what happens?"))       // conversation kept
        #expect(text.contains("opened other.mp4"))
        #expect(text.contains("other.mp4") && text.contains("T=4"))   // status bar
    }

    @Test func eExportsASnapshot() {
        var s = readyState()
        _ = s.handle(.key(.tab))
        let fx = s.handle(.key(.char("e")))
        guard case .export(let snap)? = fx.first else { Issue.record("no export effect: \(fx)"); return }
        #expect(s.exporting)
        #expect(snap.clip?.name == "bikes.mp4" && snap.frames.count == 8)
        #expect(snap.entries.count == 1 && snap.entries[0].result?.answer == "riding" && snap.entries[0].aboutShownClip)
        #expect(snap.attentionLayer == 11)
        #expect(snap.defaultDirectoryName.hasPrefix("litevl-export-bikes-"))
        #expect(s.handle(.key(.char("e"))).isEmpty)          // one at a time
        _ = s.handle(.exported(ExportSummary(directory: URL(fileURLWithPath: "/tmp/x"), files: ["a", "b"])))
        #expect(!s.exporting && s.notice == "exported to /tmp/x")
        _ = s.handle(.key(.ctrl("s")))
        _ = s.handle(.exportFailed("disk full"))
        #expect(ScreenRenderer.render(s, cache: ThumbnailCache()).text.contains("error: export failed: disk full"))
    }
}

@Suite struct OpenPromptDrawingTests {
    @Test func thePromptDrawsInsideAtEverySize() throws {
        let dir = try TempDir(files: ["a.mp4", "b.mkv", "一个很长的名字的视频文件.mp4"], directories: ["sub"])
        defer { dir.remove() }
        for (w, h) in [(1, 1), (5, 2), (8, 3), (20, 6), (40, 12), (80, 24), (200, 60)] {
            for mode in [ColorMode.truecolor, .mono] {
                var s = readyState(width: w, height: h, mode: mode)
                s.clip?.path = dir.path + "/x.mp4"
                _ = s.handle(.key(.ctrl("o")))
                _ = s.handle(.directoryListed(DirectoryListing.read(dir.path + "/")))
                _ = s.handle(.key(.down)); _ = s.handle(.key(.down))
                let d = FakeDriver(width: w, height: h, capabilities: s.capabilities)
                d.draw(ScreenRenderer.render(s, cache: ThumbnailCache()))
                #expect(d.outOfBounds.isEmpty, "\(w)x\(h)")
                if let c = d.cursor { #expect(c.x >= 0 && c.x < w && c.y >= 0 && c.y < h, "\(w)x\(h) cursor \(c)") }
                if w >= 40 && h >= 12 {
                    #expect(d.screenText.contains("open a clip") && d.screenText.contains("a.mp4"), "\(d.screenText)")
                }
            }
        }
    }
}

@Suite struct OpenExportDemoLoopTests {
    @Test func aMissingModelIsSaidAtStartAndTheClipStillOpens() async throws {
        let backend = ScriptedBackend()
        backend.modelProblem = "model not found: Assets/models/litevl-tiny (pass --model DIR)"
        let d = FakeDriver(width: 100, height: 30, script: [.waitForText("T=8", polls: 500), .key(.char("q"))])
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(clip: "bikes.mp4"), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 5000)
        #expect(d.timedOutWaits.isEmpty)
        #expect(d.screenText.contains("error: no model: model not found: Assets/models/litevl-tiny"), "\(d.screenText)")
    }

    /// A whole session on the real loop: ask, open a broken file (error shown, previous clip kept), ask again,
    /// open another clip from the list with Up/Down, ask about it; history intact.
    @Test func openBrokenThenAnotherClip() async throws {
        let dir = try TempDir(files: ["bikes.mp4", "b.mp4", "broken.mp4", "notes.txt"], directories: ["sub"])
        defer { dir.remove() }
        let hist = dir.url.appendingPathComponent("history.jsonl")
        let backend = ScriptedBackend()
        var script: [FakeDriver.Step] = [.waitForText("T=8", polls: 500)]
        script += "first?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("answer to first? on bikes.mp4", polls: 500),
                   .key(.ctrl("o")), .waitForText("open a clip", polls: 50), .waitForText("broken.mp4", polls: 50)]
        script += "br".map { .key(.char($0)) }
        script += [.key(.tab), .waitForText("path › \(dir.path)/broken.mp4", polls: 50), .key(.enter),
                   .waitForText("error: could not open broken.mp4: invalid data", polls: 500)]
        script += "second?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("answer to second? on bikes.mp4", polls: 500),
                   .key(.tab), .key(.char("o")), .waitForText("open a clip", polls: 50),
                   .key(.down), .key(.down), .waitForText("path › \(dir.path)/b.mp4", polls: 50), .key(.enter),
                   .waitForText("opened b.mp4", polls: 500)]
        script += [.key(.tab)] + "third?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("answer to third? on b.mp4", polls: 500),
                   .key(.up), .key(.up), .waitForText("ask › second?", polls: 50), .key(.ctrl("u")), .key(.char("q"))]
        let d = FakeDriver(width: 100, height: 32, script: script)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(historyFile: hist, clip: dir.path + "/bikes.mp4"),
                                  driver: d, pollInterval: .milliseconds(1), maxIterations: 20000)
        #expect(d.timedOutWaits.isEmpty, "\(d.timedOutWaits)\n\(d.screenText)")
        #expect(d.script.isEmpty)
        #expect(d.outOfBounds.isEmpty)
        #expect(backend.log == ["open \(dir.path)/bikes.mp4", "ask first?@bikes.mp4", "open \(dir.path)/broken.mp4",
                                "ask second?@bikes.mp4", "open \(dir.path)/b.mp4", "ask third?@b.mp4"])
        #expect(TranscriptFile(url: hist).questions() == ["first?", "second?", "third?"])
    }

    /// Questions typed while the clip is still encoding wait for it and are answered in order.
    @Test func questionsAskedWhileEncodingAreAnsweredWhenReady() async throws {
        let backend = ScriptedBackend(openDelay: .milliseconds(400))
        var script: [FakeDriver.Step] = "early?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("waiting for the clip", polls: 100)]
        script += "second?".map { .key(.char($0)) }
        script += [.key(.enter),
                   .waitForText("answer to early? on slow.mp4", polls: 20000),
                   .waitForText("answer to second? on slow.mp4", polls: 20000), .key(.char("q"))]
        let d = FakeDriver(width: 100, height: 30, script: script)
        let start = ContinuousClock.now
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(clip: "slow.mp4"), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 50000)
        #expect(d.timedOutWaits.isEmpty, "\(d.timedOutWaits)\n\(d.screenText)")
        #expect(d.script.isEmpty)
        #expect(backend.log == ["open slow.mp4", "ask early?@slow.mp4", "ask second?@slow.mp4"])
        #expect(ContinuousClock.now - start >= .milliseconds(400))
    }

    @Test func exportGoesToTheBackendWithADefaultDirectory() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-exp-\(UUID().uuidString)")
        let backend = ScriptedBackend()
        var script: [FakeDriver.Step] = [.waitForText("T=8", polls: 500)]
        script += "what?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("answer to what?", polls: 500), .key(.ctrl("s")),
                   .waitForText("exported 2 files to", polls: 500), .key(.char("q"))]
        let d = FakeDriver(width: 140, height: 30, script: script)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(clip: "bikes.mp4", exportBase: base), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 5000)
        #expect(d.timedOutWaits.isEmpty, "\(d.timedOutWaits)\n\(d.screenText)")
        #expect(backend.exported.count == 1)
        #expect(backend.exported.first?.0.entries.first?.question == "what?")
        #expect(backend.exported.first?.1.deletingLastPathComponent().path == base.path)
    }

    @Test func theDemoTypesAsksBrowsesAndEnds() async throws {
        let backend = ScriptedBackend()
        let script = DemoScript.walkthrough([.init(path: "one.mp4", questions: ["how many?", "what color?"]),
                                             .init(path: "two.mp4", questions: ["where?"])],
                                            frameCount: 8, speed: 200)
        let d = FakeDriver(width: 100, height: 30)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(demo: script), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 20000)
        #expect(backend.log == ["open one.mp4", "ask how many?@one.mp4", "ask what color?@one.mp4",
                                "open two.mp4", "ask where?@two.mp4"])
        #expect(d.screenText.contains("answer to where? on two.mp4"))
        #expect(d.outOfBounds.isEmpty)
    }

    @Test func anyKeyStopsTheDemoAndLoopRepeats() async throws {
        let backend = ScriptedBackend()
        let script = DemoScript.walkthrough([.init(path: "one.mp4", questions: ["how many?"])], frameCount: 4, loop: true, speed: 500)
        // Wait until it has gone round at least twice, then press a key.
        let d = FakeDriver(width: 100, height: 30, script: [.waitForText("DEMO", polls: 500), .waitForText("opened one.mp4", polls: 20000),
                                                           .key(.char("x"))])
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(demo: script), driver: d,
                                  pollInterval: .milliseconds(1), maxIterations: 40000)
        #expect(d.timedOutWaits.isEmpty, "\(d.timedOutWaits)")
        #expect(d.script.isEmpty)
        #expect(backend.openedPaths.count >= 2)
        // Stopped by the key: the app returned before the iteration limit, mid-walkthrough or at a loop start.
        #expect(backend.questions.allSatisfy { $0 == "how many?" })
    }

    @Test func demoPlayerWaitsForIdle() {
        var p = DemoPlayer(DemoScript(steps: [.key(.char("a")), .waitIdle, .pause(1), .key(.char("b"))]))
        var busy = readyState(answered: false)
        _ = busy.handle(.openRequested("x.mp4"))
        #expect(p.events(now: 0, state: busy).count == 1)            // "a"
        #expect(p.events(now: 5, state: busy).isEmpty)               // still opening
        let idle = readyState()
        #expect(p.events(now: 5, state: idle).isEmpty)               // pause starts
        #expect(p.events(now: 5.5, state: idle).isEmpty)
        guard case .key(.char("b"))? = p.events(now: 6.1, state: idle).first else { Issue.record("no b"); return }
        guard case .quitRequested? = p.events(now: 7, state: idle).first else { Issue.record("no quit"); return }
    }
}
