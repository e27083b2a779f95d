import Foundation
import Testing
@testable import TerminalUI

@Suite("Screens at the edges: ASCII terminals, the help box, long errors, more frames than fit")
struct ScreenEdgeTests {
    static func text(_ s: AppState) -> String { ScreenRenderer.render(s, cache: ThumbnailCache()).text }

    @Test("without UTF-8 every cell is printable ASCII, even a CJK question and the help box")
    func asciiOnly() {
        var s = readyState(mode: .mono)
        for c in "什么在动？ and why…" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answered(id: 2, testAnswer(frames: 8, answer: "走路 — fast")))
        for screen in [Self.text(s), { var h = s; h.helpShown = true; return Self.text(h) }()] {
            let bad = screen.unicodeScalars.filter { !($0.value == 0x0A || (0x20..<0x7F).contains($0.value)) }
            #expect(bad.isEmpty, "non-ASCII: \(String(String.UnicodeScalarView(bad)).prefix(40))")
        }
        #expect(Self.text(s).contains("you > ??????"))     // a CJK character is ?? (two columns)
    }

    @Test("the help box shows every description whole at 100 columns, ASCII included", arguments: [true, false])
    func helpBoxFits(unicode: Bool) {
        var s = readyState(width: 100, height: 34, mode: unicode ? .truecolor : .mono)
        s.helpShown = true
        let screen = Self.text(s)
        for (key, text) in HelpOverlay.rows(unicode: unicode) {
            #expect(screen.contains(text), "\(key): \(text)")
        }
    }

    @Test("a tiny screen's help line is drawn over a cleared top row")
    func tinyHelp() {
        var s = readyState(width: 24, height: 5)
        s.helpShown = true
        let top = ScreenRenderer.render(s, cache: ThumbnailCache()).line(0)
        #expect(top.hasPrefix("? help: any key closes"), "\(top)")
        #expect(!top.contains("bikes"), "\(top)")
    }

    @Test("a failed question's error wraps so its advice stays visible")
    func failedErrorWraps() {
        var s = readyState(width: 60, height: 30)
        for c in "why?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answerFailed(id: 2, "the question is 1599 bytes long; questions are limited to 1000 characters: ask a shorter question"))
        let screen = Self.text(s)
        #expect(screen.contains("ask a shorter question"), "\(screen)")
    }

    @Test("with more frames than fit, the strip scrolls to the selected frame; a click selects the frame under it")
    func stripScrolls() {
        var s = AppState(size: TerminalSize(width: 40, height: 14), capabilities: TerminalCapabilities(colorMode: .truecolor, unicode: true),
                         modelName: "TestModel")
        _ = s.handle(.clipOpened(OpenedClip(info: testClip(frames: 24), frames: testFrames(24), layerScales: testScales(4))))
        let l = s.layout
        #expect(l.thumbnails.count < 24)
        _ = s.handle(.key(.tab))
        _ = s.handle(.key(.end))
        #expect(s.selectedFrame == 23)
        let first = l.firstShownFrame(selected: 23, frameCount: 24)
        #expect(first == 24 - l.thumbnails.count)
        let labels = ScreenRenderer.render(s, cache: ThumbnailCache()).line(l.labels[0].y)
        #expect(labels.contains("▸"), "\(labels)")
        // Clicking the first slot selects frame `first`, not frame 0.
        let r = l.thumbnails[0]
        _ = s.handle(.key(.mouse(x: r.x, y: r.y)))
        #expect(s.selectedFrame == first)
    }

    @Test("another clip with as many frames gets its own thumbnails, not the cached ones of the last clip")
    func thumbnailsFollowTheClip() {
        let cache = ThumbnailCache()
        var s = readyState(answered: false)
        let before = ScreenRenderer.render(s, cache: cache)
        var info = testClip(); info.name = "other.mp4"; info.path = "/v/other.mp4"
        let other = (0..<8).map { FrameThumbnail(timestamp: Double($0), image: gradientImage(seed: $0 + 5)) }
        _ = s.handle(.openRequested("/v/other.mp4"))
        _ = s.handle(.clipOpened(OpenedClip(info: info, frames: other, layerScales: testScales(12))))
        let after = ScreenRenderer.render(s, cache: cache), fresh = ScreenRenderer.render(s, cache: ThumbnailCache())
        let strip = s.layout.thumbnails[0]
        func cells(_ c: Canvas) -> [Cell] { (strip.y..<strip.maxY).flatMap { y in (strip.x..<strip.maxX).map { c[$0, y] } } }
        #expect(cells(after) == cells(fresh))
        #expect(cells(after) != cells(before))
    }

    @Test("on a narrow strip the pooling percentages never run into each other (no '17%0%' reading as 170%)")
    func narrowPoolingLabels() {
        for width in [24, 30, 40, 50] {
            let s = readyState(width: width, height: 20)
            let l = s.layout
            guard let bar = l.poolBars.first else { continue }
            let row = ScreenRenderer.render(s, cache: ThumbnailCache()).line(bar.y)
            #expect(row.range(of: #"%[0-9★*]"#, options: .regularExpression) == nil, "\(width): \(row)")
        }
    }

    @Test("in zoom, a key's notice (w with no answer yet) is shown on the title row")
    func zoomShowsNotices() {
        var s = readyState(width: 120, height: 30, answered: false)
        _ = s.handle(.key(.tab))
        _ = s.handle(.key(.char("z")))
        #expect(s.zoomed)
        _ = s.handle(.key(.char("w")))
        let top = ScreenRenderer.render(s, cache: ThumbnailCache()).line(0)
        #expect(top.contains("no answer yet") && top.contains("frame 1/8"), "\(top)")
    }

    @Test("a very tall clip is drawn tall (at most 1:10), not squashed into 16:9")
    func tallClip() throws {
        let l = Layout.compute(width: 100, height: 40, frameCount: 8, layerCount: 4, imageAspect: 64.0 / 1280.0)
        let r = try #require(l.thumbnails.first)
        // One cell is 1x2 pixels of the half-block picture: width / (2 * rows) is the drawn aspect.
        #expect(Double(r.width) / Double(2 * r.height) <= 0.25, "\(r)")
    }

    @Test("with 8 colours the empty part of a bar is dim default colour, not black")
    func emptyBarsVisibleOn8Colours() {
        let t = Theme(TerminalCapabilities(colorMode: .basic8, unicode: true))
        #expect(t.emptyBarStyle.fg == .default && t.emptyBarStyle.attributes.contains(.dim))
        let rich = Theme(TerminalCapabilities(colorMode: .palette256, unicode: true))
        #expect(rich.emptyBarStyle.fg == .rgb(Theme.barBG))
    }
}
