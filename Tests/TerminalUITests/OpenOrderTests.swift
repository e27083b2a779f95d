import Foundation
import Testing
@testable import TerminalUI

@Suite("Opening clips in a burst: each error names its own file, notes sit before the questions they concern")
struct OpenOrderTests {
    static func opened(_ path: String, frames: Int = 4, warnings: [String] = []) -> AppEvent {
        var info = testClip(frames: frames)
        info.name = URL(fileURLWithPath: path).lastPathComponent; info.path = path
        return .clipOpened(OpenedClip(info: info, frames: testFrames(frames), layerScales: testScales(6), warnings: warnings))
    }

    @Test func aFailureNamesItsOwnFileWhileAnotherOpenIsQueued() {
        var s = readyState()
        _ = s.handle(.openRequested("/v/broken.mp4"))
        _ = s.handle(.openRequested("/v/good.mp4"))
        _ = s.handle(.clipFailed(path: "/v/broken.mp4", "/v/broken.mp4: not a video file"))
        #expect(s.notice == "could not open broken.mp4: not a video file")
        // good.mp4 is still on its way: the screen keeps saying it is opening.
        if case .opening = s.load {} else { Issue.record("expected opening, got \(s.load)") }
        _ = s.handle(Self.opened("/v/good.mp4"))
        #expect(s.load == .ready && s.openingPath == nil && s.clip?.name == "good.mp4")
        #expect(s.notice == nil)   // the failure of the other file is no longer the news
        let text = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(text.contains("error: could not open broken.mp4: not a video file"), "\(text)")
        #expect(!text.contains("could not open good.mp4"), "\(text)")
    }

    @Test func theOpenedNoteGoesBeforeQuestionsStillWaiting() {
        var s = readyState()
        _ = s.handle(.openRequested("/v/next.mp4"))
        for c in "what is red?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(Self.opened("/v/next.mp4"))
        let kinds = s.entries.map { e -> String in
            switch e.status {
            case .info(let m): "info \(m.prefix(18))"
            case .queued: "queued \(e.question)"
            default: e.isQuestion ? "question \(e.question)" : "other"
            }
        }
        #expect(kinds == ["question what happens?", "info opened next.mp4 · ", "queued what is red?"], "\(kinds)")
    }

    @Test func warningsOfTheOpenedClipAreShown() {
        var s = AppState(size: TerminalSize(width: 100, height: 30), capabilities: TerminalCapabilities(colorMode: .truecolor, unicode: true),
                         modelName: "TestModel")
        _ = s.handle(Self.opened("/v/cut.mp4", warnings: ["header says the video lasts 4.000 s but it ends at 1.480 s (truncated?); sampled the part that exists"]))
        let text = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(text.contains("warning: cut.mp4: header says the video lasts 4.000 s"), "\(text)")
        #expect(s.entries.allSatisfy { !$0.isQuestion })
    }

    @Test func frameStripKeysOfTheDocs() {
        var s = readyState()
        _ = s.handle(.key(.tab))
        _ = s.handle(.key(.char("4")))
        _ = s.handle(.key(.ctrl("e")))
        #expect(s.selectedFrame == 7)
        _ = s.handle(.key(.ctrl("a")))
        #expect(s.selectedFrame == 0)
        // Alt+key (ESC then the key at once) is no command: Alt-q does not quit, Alt-e does not export.
        #expect(s.handle(.key(.alt("q"))).isEmpty && !s.quitting)
        #expect(s.handle(.key(.alt("e"))).isEmpty && !s.exporting)
        // Ctrl-D quits from the frame strip even with text in the line (docs/tui.md).
        _ = s.handle(.key(.tab))
        for c in "hel" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.tab))
        #expect(s.focus == .frames && !s.editor.isEmpty)
        #expect(s.handle(.key(.ctrl("d"))) == [.quit])
    }
}
