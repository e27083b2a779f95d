import Testing
@testable import TerminalUI

@Suite struct LineEditorTests {
    @Test func insertAndMove() {
        var e = LineEditor()
        e.insert("hello")
        #expect(e.text == "hello" && e.cursor == 5)
        e.moveLeft(); e.moveLeft()
        e.insert("X")
        #expect(e.text == "helXlo" && e.cursor == 4)
        e.moveHome(); #expect(e.cursor == 0)
        e.moveLeft(); #expect(e.cursor == 0)
        e.moveEnd(); #expect(e.cursor == 6)
        e.moveRight(); #expect(e.cursor == 6)
    }

    @Test func deleteBackwardAndForward() {
        var e = LineEditor(text: "abc")
        e.deleteBackward(); #expect(e.text == "ab")
        e.moveHome(); e.deleteBackward(); #expect(e.text == "ab" && e.cursor == 0)
        e.deleteForward(); #expect(e.text == "b" && e.cursor == 0)
        e.moveEnd(); e.deleteForward(); #expect(e.text == "b")
    }

    @Test func killsAndYank() {
        var e = LineEditor(text: "what is the man doing")
        e.deleteWordBackward(); #expect(e.text == "what is the man ")
        e.deleteWordBackward(); #expect(e.text == "what is the ")
        e.moveHome(); e.moveRight(); e.moveRight()
        e.killToEnd(); #expect(e.text == "wh" && e.killBuffer == "at is the ")
        e.yank(); #expect(e.text == "what is the ")
        e.moveHome(); e.moveWordRight(); #expect(e.cursor == 4)
        e.killToStart(); #expect(e.text == " is the " && e.cursor == 0)
        e.moveEnd(); e.moveWordLeft(); #expect(e.cursor == 4)
    }

    @Test func graphemeClustersAndWideCharacters() {
        var e = LineEditor()
        e.insert("e")
        e.insert("\u{301}")                 // combining acute merges with "e"
        #expect(e.text == "é" && e.text.count == 1 && e.cursor == 1)
        e.insert("你好")
        #expect(e.cursor == 3 && e.displayWidth == 5 && e.cursorColumn == 5)
        e.moveLeft()
        #expect(e.cursorColumn == 3)
        e.deleteBackward()
        #expect(e.text == "é好")
        e.insert("👍🏽")                       // emoji with skin tone: one cluster
        #expect(e.text == "é👍🏽好" && e.cursor == 2)
        e.deleteBackward()
        #expect(e.text == "é好")
        e.insert("🇫🇷"); #expect(e.text.count == 3)
    }

    @Test func controlCharactersAreNotInserted() {
        var e = LineEditor()
        e.insert("a\u{7}b\u{1b}c\n")
        #expect(e.text == "abc")
    }

    @Test func historyKeepsDraft() {
        var e = LineEditor(history: ["first", "second"])
        e.insert("draft")
        e.historyPrevious(); #expect(e.text == "second" && e.cursor == 6)
        e.historyPrevious(); #expect(e.text == "first")
        e.historyPrevious(); #expect(e.text == "first")
        e.historyNext(); #expect(e.text == "second")
        e.historyNext(); #expect(e.text == "draft")
        e.historyNext(); #expect(e.text == "draft")
    }

    @Test func submitRecordsHistory() {
        var e = LineEditor()
        e.insert("  how many?  ")
        #expect(e.submit() == "how many?")
        #expect(e.text.isEmpty && e.history == ["how many?"])
        e.insert("how many?")
        _ = e.submit()
        #expect(e.history == ["how many?"])       // no immediate duplicate
        e.insert("   ")
        #expect(e.submit() == nil)
    }

    @Test func visibleSliceKeepsCursorInView() {
        var e = LineEditor(text: String(repeating: "abcdefghij", count: 5))
        for cols in [2, 5, 10, 20, 49, 80] {
            let v = e.visibleSlice(columns: cols)
            #expect(DisplayWidth.of(v.text) <= cols - 1)
            #expect(v.cursorX >= 0 && v.cursorX <= cols - 1)
        }
        e.moveHome()
        #expect(e.visibleSlice(columns: 10).cursorX == 0)
        #expect(e.visibleSlice(columns: 10).text.hasPrefix("abc"))
        var w = LineEditor(text: String(repeating: "你", count: 30))
        let v = w.visibleSlice(columns: 11)
        #expect(DisplayWidth.of(v.text) <= 10 && v.cursorX <= 10)
        w.moveLeft()
        #expect(w.visibleSlice(columns: 11).cursorX <= 10)
    }
}

@Suite struct DisplayWidthTests {
    @Test func widths() {
        #expect(DisplayWidth.of("a") == 1)
        #expect(DisplayWidth.of("你") == 2)
        #expect(DisplayWidth.of("é") == 1)
        #expect(DisplayWidth.of("👍") == 2)
        #expect(DisplayWidth.of("▀") == 1)
        #expect(DisplayWidth.of("한글") == 4)
        #expect(DisplayWidth.of("ｶ") == 1)
        #expect(DisplayWidth.of("Ａ") == 2)
    }

    @Test func wrapAndTruncate() {
        #expect(DisplayWidth.wrap("the man is riding a bike", columns: 10) == ["the man is", "riding a", "bike"])
        for l in DisplayWidth.wrap("这是一个很长的中文句子没有空格", columns: 7) { #expect(DisplayWidth.of(l) <= 7) }
        #expect(DisplayWidth.truncate("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.of(DisplayWidth.truncate("你好你好", to: 5)) <= 5)
        #expect(DisplayWidth.pad("ab", to: 4) == "ab  ")
    }
}
