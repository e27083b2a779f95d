/// Terminal display width of text, wcwidth-style, per grapheme cluster: combining marks and format
/// characters take no column, East Asian wide/fullwidth characters and emoji take two, the rest one.
public enum DisplayWidth {
    /// Width of one grapheme cluster (0, 1 or 2).
    public static func of(_ ch: Character) -> Int {
        var width = 0
        for (i, s) in ch.unicodeScalars.enumerated() {
            if s.value == 0xFE0F, width == 1 { return 2 }       // emoji presentation selector
            if i == 0 { width = of(scalar: s) } else if width == 0 { width = of(scalar: s) }
        }
        return width
    }

    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    public static func of(scalar s: Unicode.Scalar) -> Int {
        let v = s.value
        if v == 0 { return 0 }
        if s.isTerminalControl { return 0 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (v >= 0x1160 && v <= 0x11FF) { return 0 }   // ZWSP, Hangul medial vowels/finals
        if isWide(v) { return 2 }
        if v >= 0x1F000, s.properties.isEmojiPresentation { return 2 }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `s` that fits in `columns`, with "…" when cut (if `ellipsis`).
    public static func truncate(_ s: String, to columns: Int, ellipsis: Bool = true) -> String {
        guard columns > 0 else { return "" }
        if of(s) <= columns { return s }
        let budget = ellipsis ? columns - 1 : columns
        var out = "", used = 0
        for ch in s {
            let w = of(ch)
            if used + w > budget { break }
            out.append(ch); used += w
        }
        return ellipsis ? out + "…" : out
    }

    /// Pads (or truncates) to exactly `columns`.
    public static func pad(_ s: String, to columns: Int, alignRight: Bool = false) -> String {
        let t = truncate(s, to: columns)
        let gap = String(repeating: " ", count: max(0, columns - of(t)))
        return alignRight ? gap + t : t + gap
    }

    /// Word-wraps `s` into lines no wider than `columns` (hard-breaking long words, e.g. CJK runs).
    public static func wrap(_ s: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        for paragraph in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineW = 0
            var word = "", wordW = 0
            func flushWord() {
                if wordW == 0 { return }
                if lineW > 0 && lineW + 1 + wordW <= columns { line += " " + word; lineW += 1 + wordW }
                else if lineW == 0 && wordW <= columns { line = word; lineW = wordW }
                else {
                    if lineW > 0 { lines.append(line); line = ""; lineW = 0 }
                    // Hard-break the word.
                    for ch in word {
                        let w = of(ch)
                        if lineW + w > columns { lines.append(line); line = ""; lineW = 0 }
                        line.append(ch); lineW += w
                    }
                }
                word = ""; wordW = 0
            }
            for ch in paragraph {
                if ch == " " { flushWord() } else { word.append(ch); wordW += of(ch) }
            }
            flushWord()
            lines.append(line)
        }
        return lines
    }
}
