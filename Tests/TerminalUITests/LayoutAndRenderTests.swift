import Testing
@testable import TerminalUI

@Suite struct LayoutTests {
    static let sizes: [(Int, Int)] = {
        var s: [(Int, Int)] = [(1, 1), (5, 2), (20, 8), (40, 12), (80, 24), (100, 30), (120, 40), (200, 60), (300, 80), (72, 20), (71, 15), (33, 50)]
        for w in stride(from: 20, through: 300, by: 37) { for h in stride(from: 8, through: 80, by: 13) { s.append((w, h)) } }
        return s
    }()

    @Test func rectsStayInsideTheScreen() {
        for (w, h) in Self.sizes {
            for (t, l) in [(8, 12), (16, 24), (4, 6), (0, 0), (32, 12)] {
                let lay = Layout.compute(width: w, height: h, frameCount: t, layerCount: l)
                let screen = Rect(x: 0, y: 0, width: w, height: h)
                for r in lay.allRects { #expect(screen.contains(r), "\(w)x\(h) T=\(t): \(r)") }
                #expect(lay.thumbnails.count <= t)
                // Thumbnails do not overlap one another.
                for (a, b) in zip(lay.thumbnails, lay.thumbnails.dropFirst()) { #expect(a.maxX <= b.x) }
                // Conversation and input never overlap the strip.
                #expect(lay.conversation.intersection(lay.strip).isEmpty)
                #expect(lay.input.intersection(lay.conversation).isEmpty)
            }
        }
    }

    @Test func typicalScreenShowsEverything() {
        let l = Layout.compute(width: 100, height: 30, frameCount: 8, layerCount: 12)
        #expect(l.thumbnails.count == 8)
        #expect(l.thumbnailRows >= 2)
        #expect(l.scaling.height == 14)     // 12 layers + box
        #expect(l.conversation.height >= 8)
        #expect(l.input.y == 28 && l.hints.y == 29)
    }

    @Test func thumbnailsGrowWithTheTerminal() {
        let small = Layout.compute(width: 80, height: 24, frameCount: 8, layerCount: 12)
        let big = Layout.compute(width: 300, height: 80, frameCount: 8, layerCount: 12)
        #expect(big.thumbnails[0].width > small.thumbnails[0].width)
        #expect(big.thumbnailRows > small.thumbnailRows)
    }

    @Test func mouseHitTest() {
        let l = Layout.compute(width: 100, height: 30, frameCount: 8, layerCount: 12)
        let r = l.thumbnails[3]
        #expect(l.frame(atX: r.x, y: r.y) == 3)
        #expect(l.frame(atX: r.x, y: r.maxY + 1) == 3)   // the pool bar row belongs to the frame
        #expect(l.frame(atX: 0, y: l.input.y) == nil)
    }
}

@Suite struct ScreenTests {
    /// Renders a state through the fake driver and checks nothing went out of bounds.
    func drawnThroughFake(_ s: AppState) -> FakeDriver {
        let d = FakeDriver(width: s.size.width, height: s.size.height, capabilities: s.capabilities)
        d.draw(ScreenRenderer.render(s, cache: ThumbnailCache()))
        return d
    }

    @Test func everySizeAndScreenDrawsInside() {
        for (w, h) in LayoutTests.sizes where w >= 1 && h >= 1 {
            for mode in [ColorMode.truecolor, .mono] {
                var s = readyState(width: w, height: h, mode: mode)
                for c in "这是一个很长的问题 with a long tail that scrolls" { _ = s.handle(.key(.char(c))) }
                var variants = [s]
                var z = s; z.focus = .frames; _ = z.handle(.key(.char("z"))); variants.append(z)
                var hlp = s; hlp.helpShown = true; variants.append(hlp)
                var opening = AppState(size: s.size, capabilities: s.capabilities, modelName: "M")
                _ = opening.handle(.openProgress(fraction: 0.4, message: "encoding 3/8")); variants.append(opening)
                for v in variants {
                    let d = drawnThroughFake(v)
                    #expect(d.outOfBounds.isEmpty, "\(w)x\(h) \(mode)")
                    #expect(d.grid.width == w && d.grid.height == h)
                    if let c = d.cursor { #expect(c.x >= 0 && c.x < w && c.y >= 0 && c.y < h) }
                }
            }
        }
    }

    @Test func mainScreenContents() {
        let d = drawnThroughFake(readyState())
        let text = d.screenText
        #expect(text.contains("bikes.mp4"))
        #expect(text.contains("1280x720"))
        #expect(text.contains("h264"))
        #expect(text.contains("TestModel"))
        #expect(text.contains("T=8"))
        #expect(text.contains("temporal scale s_l"))
        #expect(text.contains("L1 ") && text.contains("L12"))
        #expect(text.contains("you › what happens?"))
        #expect(text.contains("answer to") == false)   // readyState uses testAnswer directly
        #expect(text.contains("riding"))
        #expect(text.contains("70.0%"))
        #expect(text.contains("0.4s"))
        #expect(text.contains("★"))                    // most relevant frame
        #expect(text.contains("▀"))                    // half-block thumbnails
        #expect(text.contains("ask ›"))
        #expect(text.contains("1 0.0s") && text.contains("8 10.5s"))
    }

    @Test func signedScalingBars() {
        var c = Canvas(width: 30, height: 5)
        ScalingBarsView.draw(&c, Rect(x: 0, y: 0, width: 30, height: 5), [0.8, -0.8, 0], Theme(.init(colorMode: .truecolor)))
        let pos = String(c.line(1).dropFirst().dropLast()), neg = String(c.line(2).dropFirst().dropLast())
        #expect(pos.contains("+0.80") && neg.contains("-0.80"))
        // Positive grows right of the axis, negative left.
        let axisPos = pos.firstIndex(of: "│")!, axisNeg = neg.firstIndex(of: "│")!
        #expect(pos[pos.index(after: axisPos)] == "█")
        #expect(neg[neg.index(before: axisNeg)] == "█")
        // One-row sparkline on narrow screens.
        var s = Canvas(width: 30, height: 1)
        ScalingBarsView.draw(&s, Rect(x: 0, y: 0, width: 30, height: 1), [-1, 0, 1], Theme(.init(colorMode: .truecolor)))
        #expect(s.line(0).hasPrefix("s_l ▁▅█"))
    }

    @Test func asciiModeUsesNoUnicodeBlocks() {
        let d = drawnThroughFake(readyState(mode: .mono))
        let text = d.screenText
        #expect(!text.contains("▀") && !text.contains("█") && !text.contains("│"))
        #expect(text.contains("#"))
    }

    @Test func errorsShowAsOneLine() {
        var s = readyState()
        for c in "why?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answerFailed(id: 2, "backend exploded\nwith a trace"))
        let text = drawnThroughFake(s).screenText
        #expect(text.contains("error: backend exploded with a trace"))
        #expect(s.editor.history == ["what happens?", "why?"])
    }

    @Test func canvasClipsWideCharacters() {
        var c = Canvas(width: 5, height: 1)
        c.put("ab你好", x: 0, y: 0)
        #expect(c.line(0) == "ab你 ")
        c.put("你", x: 4, y: 0)
        #expect(c.line(0) == "ab你 ")
        c.put("x", x: 3, y: 0)            // overwrite the right half of 你
        #expect(c.line(0) == "ab x ")
        c.put("zz", x: -1, y: 0); c.put("zz", x: 0, y: 3)
        #expect(c.line(0) == "zb x ")
    }
}

@Suite struct ThumbnailTests {
    let img = gradientImage(width: 40, height: 20)

    @Test func truecolorHalfBlocks() {
        let cells = ThumbnailRenderer.render(img, columns: 10, rows: 4, mode: .truecolor)
        #expect(cells.count == 4 && cells.allSatisfy { $0.count == 10 })
        #expect(cells.flatMap { $0 }.allSatisfy { $0.text == "▀" })
        guard case .rgb(let topLeft) = cells[0][0].style.fg, case .rgb(let bottomLeft) = cells[3][0].style.bg,
              case .rgb(let topRight) = cells[0][9].style.fg else { Issue.record("expected rgb"); return }
        #expect(topLeft.g < bottomLeft.g)     // green grows downwards
        #expect(topLeft.r < topRight.r)       // red grows rightwards
    }

    @Test func palette256PerceptualMatch() {
        let cells = ThumbnailRenderer.render(img, columns: 6, rows: 3, mode: .palette256)
        for c in cells.flatMap({ $0 }) {
            guard case .indexed(let f) = c.style.fg, case .indexed(let b) = c.style.bg else { Issue.record("expected indexed"); return }
            #expect(f >= 16 && b >= 16)
        }
        #expect(Palette256.nearest(RGB(255, 0, 0)) == 196)
        #expect(Palette256.nearest(RGB(0, 0, 0)) == 16)
        #expect(Palette256.nearest(RGB(255, 255, 255)) == 231)
        #expect(Palette256.nearest(RGB(128, 128, 128)) == 244)    // grey ramp, not a tinted cube entry
        for c in [RGB(12, 200, 99), RGB(250, 128, 3), RGB(90, 90, 200)] {
            #expect(Palette256.nearest(c) == Palette256.nearestExact(RGB(c.r & 0xF8 | c.r >> 5, c.g & 0xF8 | c.g >> 5, c.b & 0xF8 | c.b >> 5)))
        }
    }

    @Test func asciiRamp() {
        var px: [UInt8] = []
        for _ in 0..<2 { for x in 0..<10 { let v = UInt8(x * 255 / 9); px += [v, v, v] } }
        let ramp = RGBImage(width: 10, height: 2, pixels: px)
        let cells = ThumbnailRenderer.render(ramp, columns: 10, rows: 1, mode: .ascii)
        #expect(cells[0].map(\.text).joined() == " .:-=+*#%@")
        #expect(cells[0].allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
    }

    @Test func heatOverlay() {
        let dark = RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 40, count: 8 * 8 * 3))
        // Attention only in the right column of a 2x2 grid.
        let heat: (values: [Float], gridWidth: Int, gridHeight: Int) = ([0, 1, 0, 1], 2, 2)
        let plain = ThumbnailRenderer.render(dark, columns: 8, rows: 2, mode: .truecolor)
        let hot = ThumbnailRenderer.render(dark, columns: 8, rows: 2, mode: .truecolor, heat: heat)
        guard case .rgb(let l) = hot[0][0].style.fg, case .rgb(let r) = hot[0][7].style.fg,
              case .rgb(let p) = plain[0][7].style.fg else { Issue.record("expected rgb"); return }
        #expect(r.brightness > p.brightness + 0.2)    // hot side glows
        #expect(l.brightness <= p.brightness)          // cold side dims
        let asciiHot = ThumbnailRenderer.render(dark, columns: 8, rows: 2, mode: .ascii, heat: heat)
        #expect(asciiHot[0][7].text == "@" || asciiHot[0][7].text == "%")
        #expect(asciiHot[0][0].text == " " || asciiHot[0][0].text == ".")
    }
}
