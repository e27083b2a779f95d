import Foundation

/// BERT's basic tokenizer: text cleaning, CJK separation, lower-casing, accent stripping and
/// splitting on whitespace and punctuation, matching Hugging Face's (slow, Python) `BertTokenizer`.
///
/// In order, for each Unicode scalar:
/// 1. lower-casing (when ``lowercases``), scalar by scalar with the full lowercase mapping, as
///    `PreTrainedTokenizer.tokenize` does before the basic tokenizer runs (so Σ always becomes σ);
/// 2. cleaning: U+0000, U+FFFD and control characters (categories C* except tab, LF, CR) are
///    dropped, whitespace (space, tab, LF, CR, Zs) becomes a space;
/// 3. a space on each side of every CJK ideograph (the ranges of `_is_chinese_char`);
/// 4. splitting on whitespace (Python's `str.split()`, which also splits at U+2028 and U+2029);
/// 5. accent stripping (when ``stripsAccents``): canonical decomposition (NFD), then dropping
///    nonspacing marks (Mn). Without it, words are composed (NFC), as Hugging Face does;
/// 6. splitting each word into runs of non-punctuation and single punctuation scalars
///    (ASCII 33–47, 58–64, 91–96, 123–126 and categories P*).
///
/// Work is done on arrays of scalars; only words with non-ASCII scalars go through Foundation's
/// normalisation.
public struct BasicTokenizer: Sendable, Hashable {
    /// Whether text is lower-cased. bert-base-uncased: `true`.
    public var lowercases: Bool
    /// Whether accents are stripped (NFD, then nonspacing marks removed). bert-base-uncased: `true`.
    public var stripsAccents: Bool
    /// Whether CJK ideographs are made words of their own. bert-base-uncased: `true`.
    public var separatesChineseCharacters: Bool

    /// Creates a basic tokenizer; the defaults are bert-base-uncased's.
    public init(lowercases: Bool = true, stripsAccents: Bool = true, separatesChineseCharacters: Bool = true) {
        self.lowercases = lowercases
        self.stripsAccents = stripsAccents
        self.separatesChineseCharacters = separatesChineseCharacters
    }

    /// Splits `text` into words and punctuation.
    public func tokenize(_ text: String) -> [String] {
        var words: [String] = []
        forEachWord(in: Array(text.unicodeScalars)) { word in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: word)
            words.append(String(view))
        }
        return words
    }

    /// Calls `body` with each word (a run of scalars, never empty), in order.
    func forEachWord(in scalars: some Collection<Unicode.Scalar>, _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        var token: [Unicode.Scalar] = []
        token.reserveCapacity(32)
        var lowered: [Unicode.Scalar] = []
        var tokenIsASCII = true

        func flush() {
            guard !token.isEmpty else { return }
            if tokenIsASCII {
                splitOnPunctuation(token[...], body)
            } else {
                splitOnPunctuation(normalized(token)[...], body)
            }
            token.removeAll(keepingCapacity: true)
            tokenIsASCII = true
        }

        func process(_ s: Unicode.Scalar) {
            let v = s.value
            if v == 0 || v == 0xFFFD || BertCharacterClass.isControl(s) { return }
            if BertCharacterClass.isWhitespace(s) || BertCharacterClass.isPythonSpace(s) {
                flush()
            } else if separatesChineseCharacters, v >= 0x3400, BertCharacterClass.isChineseCharacter(s) {
                flush()
                token.append(s)
                tokenIsASCII = false
                flush()
            } else {
                token.append(s)
                if v >= 0x80 { tokenIsASCII = false }
            }
        }

        for scalar in scalars {
            if lowercases, scalar.value >= 0x41 {
                lowered.removeAll(keepingCapacity: true)
                PythonCaseMapping.appendLowercase(of: scalar, to: &lowered)
                for s in lowered { process(s) }
            } else {
                process(scalar)
            }
        }
        flush()
    }

    /// NFD without nonspacing marks when stripping accents, NFC otherwise.
    private func normalized(_ token: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: token)
        let string = String(view)
        if stripsAccents {
            return string.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                !BertCharacterClass.isNonspacingMark($0)
            }
        }
        return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    private func splitOnPunctuation(_ token: ArraySlice<Unicode.Scalar>,
                                    _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        var start = token.startIndex
        var i = token.startIndex
        while i < token.endIndex {
            if BertCharacterClass.isPunctuation(token[i]) {
                if start < i { body(token[start..<i]) }
                body(token[i...i])
                start = i + 1
            }
            i += 1
        }
        if start < token.endIndex { body(token[start..<token.endIndex]) }
    }
}
