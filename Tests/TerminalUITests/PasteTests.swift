import Foundation
import Testing
@testable import TerminalUI

/// Bracketed pastes and the input line's bounds (the reducer; the terminal side is HardeningTests in tmux).
@Suite struct PasteTests {
    @Test func aPasteIsTextWhateverTheFocus() {
        var s = readyState()
        _ = s.handle(.key(.tab))
        #expect(s.focus == .frames)
        // In the frames focus `q` quits and `e` exports; pasted, they are letters of the question.
        let fx = s.handle(.key(.paste("q\u{1B}[31m e\u{03}\u{04}x\tport\r\nit?")))
        #expect(fx.isEmpty)
        #expect(!s.quitting)
        #expect(s.focus == .input)
        #expect(s.editor.text == "q[31m ex port it?")
    }

    @Test func aPasteIntoTheOpenPromptGoesToThePath() {
        var s = readyState()
        _ = s.handle(.key(.ctrl("o")))
        #expect(s.openPrompt != nil)
        let before = s.openPrompt?.editor.text ?? ""
        _ = s.handle(.key(.paste("clip\u{07}.mp4\n")))
        #expect(s.openPrompt?.editor.text == before + "clip.mp4 ")
        #expect(s.editor.isEmpty)
    }

    @Test func theLineIsBounded() {
        var e = LineEditor()
        e.insert(String(repeating: "ab", count: 3000))
        #expect(e.text.count == LineEditor.maxLength)
        e.insert("more")
        #expect(e.text.count == LineEditor.maxLength)
        // C0, DEL and C1 controls never enter the line.
        var f = LineEditor()
        f.insert("a\u{01}\u{1B}b\u{7F}c\u{85}d\u{9B}e")
        #expect(f.text == "abcde")
    }
}
