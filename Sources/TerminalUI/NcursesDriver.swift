import CNcursesw
import CSignals
import Foundation

/// The real terminal, through ncursesw.
///
/// Colour: pairs are allocated on demand from a cache keyed by (fg, bg). With a direct-colour terminfo
/// (COLORS = 2^24, e.g. TERM=xterm-direct or tmux-direct) colours are 24-bit values; otherwise every RGB is
/// mapped to the nearest xterm-256 colour (CIE Lab), or to the 8 ANSI colours. See docs/tui.md.
public final class NcursesDriver: TerminalDriver {
    public private(set) var capabilities: TerminalCapabilities
    public private(set) var size: TerminalSize
    private var pairs: [Int64: Int32] = [:]
    private var nextPair: Int32 = 1
    private var maxPairs: Int32 = 0
    private var active = false
    private var lastTimeout = -2

    public enum Failure: Error, CustomStringConvertible {
        case notATerminal
        case cannotStart(String)
        case cannotAddressCursor(String)
        public var description: String {
            switch self {
            case .notATerminal: "the terminal app needs a terminal, and standard input or output is not one; run it in a terminal, or use litevl ask CLIP QUESTION"
            case .cannotStart(let t): "ncurses could not start on TERM=\(t) (no terminfo entry); set TERM to your terminal's, e.g. TERM=xterm-256color"
            case .cannotAddressCursor(let t): "TERM=\(t) cannot move the cursor, which the app needs; run it in a full terminal (e.g. TERM=xterm-256color), or use litevl ask CLIP QUESTION"
            }
        }
    }

    /// Starts curses. `ascii`/`noColor` (and a non-empty NO_COLOR) switch colours off.
    public init(ascii: Bool = false, noColor: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw Failure.notATerminal }
        // Locale before initscr, or wide characters come out blank.
        if litevl_set_locale_all("") == 0 || !Self.localeIsUTF8() {
            _ = litevl_set_locale_all("C.UTF-8")
        }
        let term = environment["TERM"] ?? "xterm"
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        let wantsTrue = colorterm == "truecolor" || colorterm == "24bit"
        let noColorEnv = !(environment["NO_COLOR"] ?? "").isEmpty
        var note = ""
        var started = false
        // True colour needs a direct-colour terminfo entry; try the -direct sibling of TERM when COLORTERM asks.
        if wantsTrue && !ascii && !noColor && !noColorEnv && environment["LITEVL_NO_DIRECT"] == nil {
            for candidate in Self.directCandidates(for: term) where litevl_newterm(candidate) == 1 {
                if litevl_colors() >= 0x1000000 || Self.startColorAndCount() >= 0x1000000 {
                    started = true; note = "COLORTERM=\(colorterm): using terminfo \(candidate)"
                    break
                }
                endwin()
            }
        }
        if !started {
            guard litevl_newterm(nil) == 1 else { throw Failure.cannotStart(term) }
        }
        // TERM=dumb (and other hard-copy terminals) start, but every row would land on one line.
        guard litevl_can_address_cursor() == 1 else {
            endwin()
            throw Failure.cannotAddressCursor(term)
        }
        // Without a UTF-8 locale (none installed) wide characters cannot be drawn: draw ASCII.
        let utf8 = Self.localeIsUTF8()
        active = true
        litevl_install_signal_handlers()
        raw()            // Ctrl-C / Ctrl-Z arrive as keys; SIGINT/TERM/HUP from outside still restore the terminal.
        noecho()
        nonl()
        keypad(litevl_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        _ = mousemask(litevl_button1_events(), nil)
        mouseinterval(0)
        leaveok(litevl_stdscr(), false)
        litevl_enable_bracketed_paste()

        var mode = ColorMode.mono
        if !ascii && !noColor && !noColorEnv && has_colors() {
            start_color()
            use_default_colors()
            let n = litevl_colors()
            if n >= 0x1000000 { mode = .truecolor }
            else if n >= 256 { mode = .palette256 }
            else if n >= 8 { mode = .basic8 }
            if mode != .truecolor && wantsTrue {
                note = "COLORTERM=\(colorterm) but terminfo \(term) has \(n) colours (no direct-colour entry found): approximating"
            }
            maxPairs = Int32(max(0, litevl_color_pairs() - 1))
        } else if ascii { note = "--ascii" } else if noColor || noColorEnv { note = "NO_COLOR" }
        if !ascii && !utf8 { note = (note.isEmpty ? "" : note + "; ") + "no UTF-8 locale: ASCII drawing" }
        capabilities = TerminalCapabilities(colorMode: mode, unicode: !ascii && utf8, note: note)
        size = TerminalSize(width: Int(litevl_cols()), height: Int(litevl_lines()))
    }

    static func localeIsUTF8() -> Bool {
        guard let p = litevl_current_ctype() else { return false }
        let s = String(cString: p).lowercased()
        return s.contains("utf-8") || s.contains("utf8")
    }

    static func directCandidates(for term: String) -> [String] {
        if term.hasSuffix("-direct") { return [] }
        if term.hasPrefix("tmux") { return ["tmux-direct"] }
        if term.hasPrefix("xterm") { return ["xterm-direct"] }
        if term.hasPrefix("screen") { return [] }
        return ["\(term.split(separator: "-").first ?? "xterm")-direct"]
    }

    static func startColorAndCount() -> Int32 {
        guard has_colors() else { return 0 }
        start_color()
        return litevl_colors()
    }

    public func put(_ cell: Cell, x: Int, y: Int) {
        guard active, x >= 0, y >= 0, x < size.width, y < size.height else { return }
        var attrs = attr_t(0)
        let a = cell.style.attributes
        if a.contains(.bold) { attrs |= litevl_a_bold() }
        if a.contains(.dim) { attrs |= litevl_a_dim() }
        if a.contains(.reverse) { attrs |= litevl_a_reverse() }
        if a.contains(.underline) { attrs |= litevl_a_underline() }
        let pair = capabilities.colorMode == .mono ? 0 : pairFor(fg: cell.style.fg, bg: cell.style.bg)
        var scalars: [wchar_t] = cell.text.unicodeScalars.prefix(5).map { wchar_t(bitPattern: $0.value) }
        if scalars.isEmpty { scalars = [32] }
        scalars.append(0)
        _ = litevl_put_cell(Int32(y), Int32(x), scalars, attrs, pair)
    }

    private func colorValue(_ c: TermColor) -> Int32 {
        switch c {
        case .default: return -1
        case .indexed(let i):
            switch capabilities.colorMode {
            case .truecolor: return rgbValue(Palette256.rgb(i))
            case .palette256: return Int32(i)
            default: return Int32(Palette256.nearest8(Palette256.rgb(i)))
            }
        case .rgb(let rgb):
            switch capabilities.colorMode {
            case .truecolor: return rgbValue(rgb)
            case .palette256: return Int32(Palette256.nearest(rgb))
            default: return Int32(Palette256.nearest8(rgb))
            }
        }
    }

    private func rgbValue(_ c: RGB) -> Int32 {
        let v = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)
        return v < 8 ? 8 : v      // 0...7 would be read as ANSI palette entries in direct-colour terminfo
    }

    private func pairFor(fg: TermColor, bg: TermColor) -> Int32 {
        if fg == .default && bg == .default { return 0 }
        let f = colorValue(fg), b = colorValue(bg)
        let key = Int64(f) << 32 | Int64(UInt32(bitPattern: b))
        if let p = pairs[key] { return p }
        if nextPair > maxPairs {
            // Out of pairs: start over (the next frame redraws everything anyway).
            pairs.removeAll(); nextPair = 1
            guard maxPairs > 0 else { return 0 }
        }
        let p = nextPair
        nextPair += 1
        _ = init_extended_pair(p, f, b)
        pairs[key] = p
        return p
    }

    public func clear() { if active { erase() } }

    public func refresh(cursor: (x: Int, y: Int)?) {
        guard active else { return }
        if let c = cursor, c.x >= 0, c.y >= 0, c.x < size.width, c.y < size.height {
            curs_set(1)
            move(Int32(c.y), Int32(c.x))
        } else {
            curs_set(0)
        }
        CNcursesw.refresh()
    }

    public func readKey(timeoutMilliseconds: Int) -> KeyEvent? {
        guard active else { return nil }
        if timeoutMilliseconds != lastTimeout { timeout(Int32(timeoutMilliseconds)); lastTimeout = timeoutMilliseconds }
        var isKey: Int32 = 0, value: Int32 = 0
        let r = litevl_get_wch(&isKey, &value)
        if r == litevl_err() { return nil }
        if isKey != 0 { return functionKey(value) }
        switch value {
        case 13, 10: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 27: return escapeOrAlt()
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(96 + value))))
        case 0..<32: return nil
        default:
            guard let s = Unicode.Scalar(UInt32(bitPattern: value)) else { return nil }
            return .char(Character(s))
        }
    }

    /// After ESC: Alt+key arrives as ESC and a printable key together, so such a key already waiting
    /// makes it `.alt(key)`, never a bare Esc followed by the key read as a command. Anything else
    /// waiting (Ctrl-C, an arrow, a second Esc) is pushed back and read as itself next.
    private func escapeOrAlt() -> KeyEvent {
        timeout(0)
        defer { timeout(Int32(lastTimeout)) }
        var isKey: Int32 = 0, value: Int32 = 0
        if litevl_get_wch(&isKey, &value) == litevl_err() { return .escape }
        guard isKey == 0, value >= 32, value != 127, let s = Unicode.Scalar(UInt32(bitPattern: value)) else {
            _ = litevl_unget_wch(isKey, value)
            return .escape
        }
        return .alt(Character(s))
    }

    /// The longest paste kept (characters); the rest is read and dropped.
    static let maxPaste = 65_536

    /// Reads a bracketed paste up to its end marker (or 500 ms without input): the text, with
    /// control characters and any keys inside it left out.
    private func readPaste() -> KeyEvent {
        var text = String.UnicodeScalarView()
        var count = 0
        timeout(500); lastTimeout = 500
        while true {
            var isKey: Int32 = 0, value: Int32 = 0
            if litevl_get_wch(&isKey, &value) == litevl_err() { break }
            if isKey != 0 {
                if value == litevl_key_paste_end() { break }
                continue
            }
            guard let u = Unicode.Scalar(UInt32(bitPattern: value)) else { continue }
            let keep = !u.isTerminalControl || u == "\n" || u == "\r" || u == "\t"
            if keep && count < Self.maxPaste { text.append(u); count += 1 }
        }
        return .paste(String(text))
    }

    private func functionKey(_ v: Int32) -> KeyEvent? {
        if v == litevl_key_paste_start() { return readPaste() }
        if v == litevl_key_paste_end() { return nil }
        switch v {
        case litevl_key_up(): return .up
        case litevl_key_down(): return .down
        case litevl_key_left(): return .left
        case litevl_key_right(): return .right
        case litevl_key_home(): return .home
        case litevl_key_end(): return .end
        case litevl_key_ppage(): return .pageUp
        case litevl_key_npage(): return .pageDown
        case litevl_key_backspace(): return .backspace
        case litevl_key_dc(): return .delete
        case litevl_key_enter(): return .enter
        case litevl_key_btab(): return .backTab
        case litevl_key_resize():
            size = TerminalSize(width: Int(litevl_cols()), height: Int(litevl_lines()))
            erase()
            return .resize
        case litevl_key_mouse():
            var x: Int32 = 0, y: Int32 = 0, pressed: Int32 = 0
            guard litevl_get_mouse(&x, &y, &pressed) != litevl_err(), pressed != 0 else { return nil }
            return .mouse(x: Int(x), y: Int(y))
        default:
            for n in 1...12 where v == litevl_key_f(Int32(n)) { return .function(n) }
            return nil
        }
    }

    public func shutdown() {
        guard active else { return }
        active = false
        // Without an alternate screen (vt100) the app's last frame would stay under the shell prompt.
        if litevl_has_alternate_screen() == 0 { litevl_clear_now() }
        curs_set(1)
        endwin()
        litevl_disable_bracketed_paste()
        litevl_reset_signal_handlers()
    }

    deinit { shutdown() }

    /// SIGINT, SIGTERM or SIGHUP received while the app runs (nil: none). The handler only records
    /// it; the event loop polls this and leaves, and ``dieOfPendingSignal()`` ends the process
    /// after the terminal is restored.
    public static var pendingSignal: Int32? {
        let s = litevl_pending_signal()
        return s == 0 ? nil : s
    }

    /// After ``shutdown()``: ends the process by the pending signal's default action, so the
    /// parent sees the usual status (143 for SIGTERM, 129 for SIGHUP, 130 for SIGINT).
    public static func dieOfPendingSignal() {
        if let s = pendingSignal { litevl_die_of_signal(s) }
    }
}
