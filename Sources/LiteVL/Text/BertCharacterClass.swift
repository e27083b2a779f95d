/// The character classes of BERT's basic tokenizer, as Hugging Face's `_is_whitespace`,
/// `_is_control`, `_is_punctuation` and `_is_chinese_char` define them over Unicode scalars.
///
/// General categories come from the Swift runtime's Unicode tables, which may be a newer Unicode
/// version than Python's `unicodedata`; the two agree on every character assigned in both.
enum BertCharacterClass {
    /// Space, tab, LF, CR, or a space separator (Zs). Such scalars become a space when cleaning.
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D { return true }
        if v < 0x80 { return false }
        return s.properties.generalCategory == .spaceSeparator
    }

    /// A control character: any C* category (Cc, Cf, Cn, Co, Cs) except tab, LF and CR.
    @inline(__always)
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        if v < 0x80 { return v < 0x20 || v == 0x7F }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII 33–47, 58–64, 91–96, 123–126, or a punctuation category (P*).
    @inline(__always)
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A CJK ideograph in the exact ranges of Hugging Face's `_is_chinese_char`.
    @inline(__always)
    static func isChineseCharacter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v)
            || (0x20000...0x2A6DF).contains(v) || (0x2A700...0x2B73F).contains(v)
            || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    /// Whitespace as Python's `str.split()` sees it (`str.isspace`): used to split words.
    @inline(__always)
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// A nonspacing mark (Mn), dropped when stripping accents.
    @inline(__always)
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x300 && s.properties.generalCategory == .nonspacingMark
    }
}
