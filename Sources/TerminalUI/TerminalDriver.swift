/// The terminal as the app sees it (TermKit's driver idea): ncurses in the product, an in-memory grid in tests.

public struct TerminalSize: Hashable, Sendable {
    public var width: Int, height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
}

/// What colours the terminal can show.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour (terminfo with direct colour, e.g. TERM=xterm-direct).
    case truecolor
    /// The xterm 256-colour palette.
    case palette256
    /// The 8 ANSI colours.
    case basic8
    /// No colour: attributes only, ASCII density ramp for pictures.
    case mono

    public var label: String {
        switch self {
        case .truecolor: "24-bit"
        case .palette256: "256-colour"
        case .basic8: "8-colour"
        case .mono: "mono"
        }
    }
}

public struct TerminalCapabilities: Sendable, Equatable {
    public var colorMode: ColorMode
    /// Whether box-drawing/block characters may be used (false with --ascii).
    public var unicode: Bool
    /// Why this mode was chosen (shown in the help overlay).
    public var note: String
    public init(colorMode: ColorMode, unicode: Bool = true, note: String = "") {
        self.colorMode = colorMode; self.unicode = unicode; self.note = note
    }
}

/// A key press or other terminal input.
public enum KeyEvent: Hashable, Sendable {
    /// A printable character (UTF-8 decoded, may be wide).
    case char(Character)
    /// Ctrl + letter, lower-case (Ctrl-A is `.ctrl("a")`).
    case ctrl(Character)
    /// Alt (Meta) + key: no command uses it; it is read so that Alt-q is not Esc then q.
    case alt(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// The terminal was resized (the driver's `size` already reflects it).
    case resize
    /// Button-1 press at a cell.
    case mouse(x: Int, y: Int)
    /// Text pasted into the terminal (bracketed paste): typed into the line as text, never read as keys.
    case paste(String)
}

/// The terminal. Not thread-safe: the app uses it from its event loop only.
public protocol TerminalDriver: AnyObject {
    var size: TerminalSize { get }
    var capabilities: TerminalCapabilities { get }
    /// Puts one cell (a grapheme cluster of display width 1 or 2) at row y, column x.
    func put(_ cell: Cell, x: Int, y: Int)
    /// Clears the whole screen.
    func clear()
    /// Shows what was put since the last refresh; `cursor` positions the visible cursor (nil hides it).
    func refresh(cursor: (x: Int, y: Int)?)
    /// Next input, waiting at most `timeoutMilliseconds` (0: poll); nil on timeout.
    func readKey(timeoutMilliseconds: Int) -> KeyEvent?
    /// Restores the terminal. Idempotent.
    func shutdown()
}

extension TerminalDriver {
    /// Puts a string at (x, y), one cell per grapheme cluster, clipped to the screen.
    public func put(_ string: String, x: Int, y: Int, style: Style = .plain) {
        var canvas = Canvas(width: size.width, height: size.height)
        let w = canvas.put(string, x: x, y: y, style: style)
        var col = x
        while col < x + w {
            let c = canvas[col, y]
            if !c.isContinuation { put(c, x: col, y: y) }
            col += 1
        }
    }

    /// Puts every cell of a canvas sized like the screen and refreshes.
    public func draw(_ canvas: Canvas) {
        let h = min(canvas.height, size.height), w = min(canvas.width, size.width)
        for y in 0..<h {
            for x in 0..<w {
                let c = canvas[x, y]
                if c.isContinuation { continue }
                if DisplayWidth.of(c.text) == 2 && x + 1 >= w { put(Cell(" ", style: c.style), x: x, y: y); continue }
                put(c, x: x, y: y)
            }
        }
        refresh(cursor: canvas.cursor)
    }
}

/// An in-memory terminal for tests (swift-nio's embedded-channel idea): a cell grid, a scripted input
/// queue, and a record of anything drawn out of bounds.
public final class FakeDriver: TerminalDriver {
    public enum Step: Sendable {
        case key(KeyEvent)
        /// Report timeouts until the last drawn screen contains this text (gives up after `polls` reads).
        case waitForText(String, polls: Int)
        /// Resize the fake terminal, then deliver `.resize`.
        case resize(width: Int, height: Int)
    }

    public private(set) var size: TerminalSize
    public var capabilities: TerminalCapabilities
    public private(set) var grid: Canvas
    public private(set) var outOfBounds: [(x: Int, y: Int)] = []
    public private(set) var refreshCount = 0
    public private(set) var cursor: (x: Int, y: Int)?
    public private(set) var isShutDown = false
    public private(set) var timedOutWaits: [String] = []
    public var script: [Step]
    private var pollsOnCurrentWait = 0

    public init(width: Int, height: Int, capabilities: TerminalCapabilities = .init(colorMode: .truecolor),
                script: [Step] = []) {
        size = TerminalSize(width: width, height: height)
        self.capabilities = capabilities
        grid = Canvas(width: width, height: height)
        self.script = script
    }

    public func put(_ cell: Cell, x: Int, y: Int) {
        let w = max(1, DisplayWidth.of(cell.text))
        guard x >= 0, y >= 0, x + w <= size.width, y < size.height else { outOfBounds.append((x, y)); return }
        if let ch = cell.text.first { grid.put(ch, x: x, y: y, style: cell.style) }
    }

    public func clear() { grid = Canvas(width: size.width, height: size.height) }
    public func refresh(cursor: (x: Int, y: Int)?) { refreshCount += 1; self.cursor = cursor }

    /// The screen text, rows joined by newlines.
    public var screenText: String { grid.text }

    public func readKey(timeoutMilliseconds: Int) -> KeyEvent? {
        guard let step = script.first else { return nil }
        switch step {
        case .key(let k):
            script.removeFirst(); return k
        case .resize(let w, let h):
            script.removeFirst()
            size = TerminalSize(width: w, height: h)
            grid = Canvas(width: w, height: h)
            return .resize
        case .waitForText(let text, let polls):
            if grid.text.contains(text) || pollsOnCurrentWait >= polls {
                if pollsOnCurrentWait >= polls && !grid.text.contains(text) { timedOutWaits.append(text) }
                script.removeFirst(); pollsOnCurrentWait = 0
                return readKey(timeoutMilliseconds: timeoutMilliseconds)
            }
            pollsOnCurrentWait += 1
            return nil
        }
    }

    public func shutdown() { isShutDown = true }
}
