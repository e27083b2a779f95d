/// Cells, styles and the in-memory canvas every view draws into. Pure: no ncurses here.

/// A 24-bit colour.
public struct RGB: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public init(hex: UInt32) { self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF)) }
    /// Linear interpolation towards `other` by `t` in [0, 1].
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        let t = min(max(t, 0), 1)
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - t) + Double(b) * t).rounded()) }
        return RGB(m(r, other.r), m(g, other.g), m(b, other.b))
    }
    /// Relative luminance-ish brightness in [0, 1] (Rec. 709 weights on the gamma-encoded values).
    public var brightness: Double { (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255 }
}

/// A colour as the views ask for it; the driver maps it to what the terminal can show.
public enum TermColor: Hashable, Sendable {
    /// The terminal's default foreground/background.
    case `default`
    /// A true colour (approximated on 256/8-colour terminals).
    case rgb(RGB)
    /// An xterm-256 palette index chosen by the caller (used by the 256-colour thumbnail mode).
    case indexed(UInt8)
}

public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let dim = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let underline = TextAttributes(rawValue: 8)
}

public struct Style: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var attributes: TextAttributes
    public init(fg: TermColor = .default, bg: TermColor = .default, attributes: TextAttributes = []) {
        self.fg = fg; self.bg = bg; self.attributes = attributes
    }
    public static let plain = Style()
    public func with(_ a: TextAttributes) -> Style { var s = self; s.attributes.formUnion(a); return s }
}

/// One terminal cell. A wide character occupies its cell and the next one; the next one is a `continuation`.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: Style
    public var isContinuation: Bool
    public init(_ text: String = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.text = text; self.style = style; self.isContinuation = isContinuation
    }
    public static let blank = Cell()
}

public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    public func intersection(_ o: Rect) -> Rect {
        let nx = max(x, o.x), ny = max(y, o.y)
        return Rect(x: nx, y: ny, width: min(maxX, o.maxX) - nx, height: min(maxY, o.maxY) - ny)
    }
    public func inset(by d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
    public func contains(_ o: Rect) -> Bool {
        o.isEmpty || (o.x >= x && o.y >= y && o.maxX <= maxX && o.maxY <= maxY)
    }
}

/// A grid of cells. Every write is clipped to the grid (and to an optional clip rectangle), so views can
/// never draw outside the terminal.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// The cursor position to show, if any (the input line sets it).
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
    }

    /// Puts one grapheme cluster at (x, y); returns the number of columns used (0 when clipped).
    @discardableResult
    public mutating func put(_ ch: Character, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let area = clip.map { $0.intersection(bounds) } ?? bounds
        let w = DisplayWidth.of(ch)
        guard w > 0 else { return 0 }
        guard area.contains(x: x, y: y) else { return 0 }
        if w == 2 && !area.contains(x: x + 1, y: y) {
            // A wide character that does not fit: show a blank in its one remaining column.
            set(x: x, y: y, Cell(" ", style: style))
            return 1
        }
        set(x: x, y: y, Cell(String(ch), style: style))
        if w == 2 { set(x: x + 1, y: y, Cell("", style: style, isContinuation: true)) }
        return w
    }

    /// Writes a string starting at (x, y) on one line; stops at the clip edge. Returns columns used.
    @discardableResult
    public mutating func put(_ s: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        var col = x
        let area = clip.map { $0.intersection(bounds) } ?? bounds
        for ch in s {
            if ch == "\n" || ch == "\t" || ch == "\r" {
                if col < area.maxX { put(" ", x: col, y: y, style: style, clip: area); col += 1 }
                continue
            }
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col + w > area.maxX {
                if col < area.maxX { put(" ", x: col, y: y, style: style, clip: area) }
                break
            }
            put(ch, x: col, y: y, style: style, clip: area)
            col += w
        }
        return max(0, col - x)
    }

    public mutating func fill(_ rect: Rect, _ ch: Character = " ", style: Style = .plain) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY {
            var xx = r.x
            while xx < r.maxX {
                let used = put(ch, x: xx, y: yy, style: style, clip: r)
                xx += max(1, used)
            }
        }
    }

    /// Paints the text cursor at (x, y) as a reversed cell, so that it shows even where the
    /// terminal's own cursor is hidden, keeping the character under it (a space on an empty cell or
    /// on the right half of a wide character). On a cell already in reverse video (a status-styled
    /// box without colours) the cursor is the one plain cell instead.
    public mutating func paintCursor(x: Int, y: Int, clip: Rect) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let under = self[x, y]
        let ch = under.isContinuation || under.text.isEmpty ? " " : under.text
        let style = under.style.attributes.contains(.reverse) ? Style.plain : Style(attributes: .reverse)
        if let first = ch.first { put(first, x: x, y: y, style: style, clip: clip) }
    }

    /// Draws a single-line box border around `rect` with an optional title.
    public mutating func box(_ rect: Rect, title: String? = nil, style: Style = .plain, titleStyle: Style? = nil,
                             ascii: Bool = false) {
        let r = rect.intersection(bounds)
        guard r.width >= 2, r.height >= 2 else { return }
        let (h, v): (Character, Character) = ascii ? ("-", "|") : ("─", "│")
        let corners: [Character] = ascii ? ["+", "+", "+", "+"] : ["╭", "╮", "╰", "╯"]
        for xx in r.x + 1..<r.maxX - 1 { put(h, x: xx, y: r.y, style: style); put(h, x: xx, y: r.maxY - 1, style: style) }
        for yy in r.y + 1..<r.maxY - 1 { put(v, x: r.x, y: yy, style: style); put(v, x: r.maxX - 1, y: yy, style: style) }
        put(corners[0], x: r.x, y: r.y, style: style); put(corners[1], x: r.maxX - 1, y: r.y, style: style)
        put(corners[2], x: r.x, y: r.maxY - 1, style: style); put(corners[3], x: r.maxX - 1, y: r.maxY - 1, style: style)
        if let title, r.width > 4 {
            put(" " + title + " ", x: r.x + 2, y: r.y, style: titleStyle ?? style,
                clip: Rect(x: r.x + 1, y: r.y, width: r.width - 2, height: 1))
        }
    }

    /// The visible text of row `y` (continuation cells skipped), for tests and debugging.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var s = ""
        for x in 0..<width where !cells[y * width + x].isContinuation { s += cells[y * width + x].text }
        return s
    }
    public var text: String { (0..<height).map { line($0) }.joined(separator: "\n") }

    /// ASCII look-alikes of the symbols the views draw, for terminals without UTF-8 (`--ascii`, a C locale).
    static let asciiLookAlikes: [String: String] = [
        "…": "~", "·": ".", "•": "*", "—": "-", "–": "-", "↑": "^", "↓": "v", "←": "<", "→": ">",
        "▸": ">", "▹": ">", "›": ">", "‹": "<", "»": ">", "«": "<", "★": "*", "☆": "*", "°": "o", "×": "x",
        "✓": "v", "✔": "v", "✗": "x", "✘": "x", "│": "|", "┃": "|", "║": "|", "─": "-", "━": "-", "═": "=",
        "╭": "+", "╮": "+", "╰": "+", "╯": "+", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+",
        "┬": "+", "┴": "+", "┼": "+", "█": "#", "▓": "#", "▒": "%", "░": ":", "▀": "\"", "▄": "_", "▌": "|", "▐": "|",
        "“": "\"", "”": "\"", "‘": "'", "’": "'",
    ]

    /// Replaces every cell that is not printable ASCII: a known symbol by its look-alike, anything else
    /// (a CJK character of a question, an emoji) by `?` in each of its columns. The views already pick
    /// ASCII where they know the terminal lacks UTF-8; this catches the text they do not choose.
    public mutating func transliterateToASCII() {
        for i in cells.indices {
            let cell = cells[i]
            if cell.isContinuation { cells[i] = Cell("?", style: cell.style); continue }
            guard !cell.text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else { continue }
            cells[i] = Cell(Self.asciiLookAlikes[cell.text] ?? "?", style: cell.style)
        }
    }

    private mutating func set(x: Int, y: Int, _ cell: Cell) {
        let i = y * width + x
        // Overwriting half of a wide character: blank its other half.
        if cells[i].isContinuation, x > 0, !cell.isContinuation {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        }
        if !cell.isContinuation, x + 1 < width, cells[i + 1].isContinuation, DisplayWidth.of(cells[i].text) == 2 {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }
}
