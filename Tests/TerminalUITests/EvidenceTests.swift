import Foundation
import Testing
@testable import TerminalUI

/// "Where is the answer" without pooling weights, and the text cursor on reversed cells.
@Suite("evidence without pooling; the cursor on reverse video")
struct EvidenceTests {
    /// An answer with no pooling weights whose last layer attends mostly to frame 3.
    static func attentionOnlyAnswer(frames: Int = 8, layers: Int = 2) -> AnswerResult {
        let grid = 4
        let maps = (0..<layers).map { _ in (0..<frames).map { f in [Float](repeating: f == 2 ? 10 : 1, count: grid * grid) } }
        return AnswerResult(answer: "two", candidates: [AnswerCandidate("two", confidence: 0.9)], seconds: 0.1, temporalWeights: [],
                            attention: AttentionMaps(gridWidth: grid, gridHeight: grid, values: maps))
    }

    @Test("with --pooling off the answer selects the frame the text encoder attended to, and the where line says it is attention")
    func attentionFallback() {
        var s = readyState(answered: false)
        for c in "how many?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answerStarted(id: 1, at: 0))
        _ = s.handle(.answered(id: 1, Self.attentionOnlyAnswer()))
        #expect(s.selectedFrame == 2)
        #expect(s.evidenceOrder.first == 2)
        // Frame 3 holds 160 of 272 units of attention mass: 59 %; the others 16 each: 6 %.
        let screen = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(screen.contains("where (attention): ★ 3 (3.0s) 59% · 1 (0.0s) 6% · 2 (1.5s) 6%"), "\(screen)")
    }

    @Test("the painted cursor is reversed on plain cells and plain on reversed ones (a colourless status box)")
    func cursorOnReverse() {
        var c = Canvas(width: 10, height: 2)
        let all = Rect(x: 0, y: 0, width: 10, height: 2)
        _ = c.put("ab", x: 0, y: 0, style: .plain, clip: all)
        c.paintCursor(x: 1, y: 0, clip: all)
        #expect(c[1, 0].text == "b" && c[1, 0].style.attributes.contains(.reverse))
        c.fill(Rect(x: 0, y: 1, width: 10, height: 1), style: Style(attributes: .reverse))
        _ = c.put("cd", x: 0, y: 1, style: Style(attributes: .reverse), clip: all)
        c.paintCursor(x: 1, y: 1, clip: all)
        #expect(c[1, 1].text == "d" && !c[1, 1].style.attributes.contains(.reverse))
        c.paintCursor(x: 10, y: 0, clip: all)   // outside: nothing, no trap
    }
}
