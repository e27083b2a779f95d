import Foundation

/// The input line: a pure value type with readline-style editing over grapheme clusters, a kill buffer
/// and Up/Down history (the draft being typed is kept while browsing history).
public struct LineEditor: Sendable, Equatable {
    /// The text being edited.
    public private(set) var text: String = ""
    /// Cursor position in grapheme clusters (0...text.count).
    public private(set) var cursor: Int = 0
    /// Earlier entries, oldest first.
    public private(set) var history: [String]
    /// Index into `history` while browsing (nil: editing the draft).
    public private(set) var historyIndex: Int?
    private var draft: String = ""
    /// The last killed text (Ctrl-K/U/W), re-inserted by Ctrl-Y.
    public private(set) var killBuffer: String = ""

    public init(text: String = "", history: [String] = []) {
        self.text = text; self.cursor = text.count; self.history = history
    }

    public var isEmpty: Bool { text.isEmpty }

    // MARK: editing

    /// The longest line kept, in characters (a question is refused beyond 1000; a pasted megabyte is cut here).
    public static let maxLength = 4096

    public mutating func insert(_ s: String) {
        // Control characters (C0, DEL, C1) never enter the line: pasted escape sequences become inert text.
        var clean = String(s.unicodeScalars.filter { !$0.isTerminalControl }.map(Character.init))
        let room = Self.maxLength - text.count
        if clean.count > room { clean = String(clean.prefix(max(0, room))) }
        guard !clean.isEmpty else { return }
        let (pre, post) = split()
        let joined = pre + clean
        text = joined + post
        // Combining marks merge with the previous cluster, so count the prefix after joining.
        cursor = min(joined.count, text.count)
        leaveHistory()
    }
    public mutating func insert(_ ch: Character) { insert(String(ch)) }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(text.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = text.count }

    /// Moves to the start of the previous word (Alt-B / Ctrl-Left style).
    public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }
    public mutating func moveWordRight() {
        let chars = Array(text)
        var i = cursor
        while i < chars.count && chars[i].isWhitespace { i += 1 }
        while i < chars.count && !chars[i].isWhitespace { i += 1 }
        cursor = i
    }

    /// Backspace.
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        var chars = Array(text)
        chars.remove(at: cursor - 1)
        text = String(chars); cursor -= 1
        leaveHistory()
    }

    /// Delete.
    public mutating func deleteForward() {
        var chars = Array(text)
        guard cursor < chars.count else { return }
        chars.remove(at: cursor)
        text = String(chars)
        leaveHistory()
    }

    /// Ctrl-K: kill from the cursor to the end.
    public mutating func killToEnd() {
        let (pre, post) = split()
        guard !post.isEmpty else { return }
        killBuffer = post; text = pre
        leaveHistory()
    }

    /// Ctrl-U: kill from the start to the cursor.
    public mutating func killToStart() {
        let (pre, post) = split()
        guard !pre.isEmpty else { return }
        killBuffer = pre; text = post; cursor = 0
        leaveHistory()
    }

    /// Ctrl-W: kill the word before the cursor (and the blanks after it).
    public mutating func deleteWordBackward() {
        let start = wordStart(before: cursor)
        guard start < cursor else { return }
        let chars = Array(text)
        killBuffer = String(chars[start..<cursor])
        text = String(chars[..<start]) + String(chars[cursor...])
        cursor = start
        leaveHistory()
    }

    /// Ctrl-Y: insert the kill buffer.
    public mutating func yank() { insert(killBuffer) }

    /// Clears the line (keeps history).
    public mutating func clear() { text = ""; cursor = 0; historyIndex = nil; draft = "" }

    /// Enter: returns the trimmed line (nil if blank), records it in history and clears.
    public mutating func submit() -> String? {
        let line = text.trimmingCharacters(in: .whitespaces)
        clear()
        guard !line.isEmpty else { return nil }
        addToHistory(line)
        return line
    }

    /// Appends to history (skipping an immediate duplicate).
    public mutating func addToHistory(_ line: String) {
        if history.last != line { history.append(line) }
    }

    // MARK: history

    /// Up: the previous history entry (the draft is kept).
    public mutating func historyPrevious() {
        guard !history.isEmpty else { return }
        let next: Int
        if let i = historyIndex { next = max(0, i - 1) } else { draft = text; next = history.count - 1 }
        historyIndex = next
        text = history[next]; cursor = text.count
    }

    /// Down: the next history entry, then back to the draft.
    public mutating func historyNext() {
        guard let i = historyIndex else { return }
        if i + 1 < history.count {
            historyIndex = i + 1; text = history[i + 1]
        } else {
            historyIndex = nil; text = draft
        }
        cursor = text.count
    }

    // MARK: display

    /// Display columns of the whole text.
    public var displayWidth: Int { DisplayWidth.of(text) }
    /// Display column of the cursor within the text.
    public var cursorColumn: Int { DisplayWidth.of(String(text.prefix(cursor))) }

    /// The part of the text to show in `columns` columns so that the cursor is visible, and the cursor's
    /// column within it. Scrolls horizontally, keeping a little context left of the cursor.
    public func visibleSlice(columns: Int) -> (text: String, cursorX: Int) {
        guard columns > 1 else { return ("", 0) }
        let chars = Array(text)
        let avail = columns - 1          // keep one column for the cursor at the end
        if displayWidth <= avail { return (text, cursorColumn) }
        // Start so that the cursor sits at most `avail` columns from the left, with some context.
        var start = 0
        var widthBefore = cursorColumn
        let context = min(avail / 3, 10)
        while widthBefore > avail - context && start < cursor {
            widthBefore -= DisplayWidth.of(chars[start]); start += 1
        }
        var out = "", used = 0
        var i = start
        while i < chars.count {
            let w = DisplayWidth.of(chars[i])
            if used + w > avail { break }
            out.append(chars[i]); used += w; i += 1
        }
        return (out, widthBefore)
    }

    // MARK: private

    private func split() -> (String, String) {
        let idx = text.index(text.startIndex, offsetBy: min(cursor, text.count))
        return (String(text[..<idx]), String(text[idx...]))
    }

    private func wordStart(before pos: Int) -> Int {
        let chars = Array(text)
        var i = pos
        while i > 0 && chars[i - 1].isWhitespace { i -= 1 }
        while i > 0 && !chars[i - 1].isWhitespace { i -= 1 }
        return i
    }

    private mutating func leaveHistory() { historyIndex = nil }
}
