import Foundation

/// BLIP's text tokenizer: Hugging Face's `BertTokenizer` for bert-base-uncased with BLIP's added
/// `[DEC]` and `[ENC]` tokens, reproduced id for id.
///
/// Encoding first cuts the text at exact (case-sensitive) occurrences of the special token texts
/// (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`, `[DEC]`, `[ENC]`), which map straight to their
/// ids, as Hugging Face's added-token splitting does; the rest goes through ``BasicTokenizer`` and
/// ``WordPieceTokenizer``.
public struct BertTokenizer: Sendable {
    /// The WordPiece vocabulary (30,522 tokens for bert-base-uncased).
    public let vocabulary: WordPieceVocabulary
    /// The special token ids.
    public let specialTokens: BertSpecialTokens
    /// The cleaning, lower-casing and splitting stage.
    public let basicTokenizer: BasicTokenizer
    /// The sub-word stage.
    public let wordPieceTokenizer: WordPieceTokenizer
    /// The special token texts as scalars, with their ids, for splitting raw text.
    private let specialScalars: [(scalars: [Unicode.Scalar], id: Int32)]

    /// Creates a tokenizer over a loaded vocabulary.
    public init(vocabulary: WordPieceVocabulary, specialTokens: BertSpecialTokens = .blip,
                basicTokenizer: BasicTokenizer = BasicTokenizer()) {
        self.vocabulary = vocabulary
        self.specialTokens = specialTokens
        self.basicTokenizer = basicTokenizer
        self.wordPieceTokenizer = WordPieceTokenizer(vocabulary: vocabulary, unknownTokenID: specialTokens.unknown)
        self.specialScalars = specialTokens.entries.map { (Array($0.text.unicodeScalars), $0.id) }
    }

    /// Loads the vocabulary at `vocabularyURL` (a `vocab.txt`) and creates a tokenizer over it.
    ///
    /// - Throws: ``WordPieceVocabularyError`` naming the file.
    public init(contentsOf vocabularyURL: URL, specialTokens: BertSpecialTokens = .blip) throws {
        self.init(vocabulary: try WordPieceVocabulary(contentsOf: vocabularyURL), specialTokens: specialTokens)
    }

    /// The token ids of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenIDs(_ text: String) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int32] = []
        ids.reserveCapacity(scalars.count / 3 + 4)
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            if scalars[i] == "[", let special = specialToken(in: scalars, at: i) {
                appendOrdinaryIDs(scalars[segmentStart..<i], to: &ids)
                ids.append(special.id)
                i += special.length
                segmentStart = i
            } else {
                i += 1
            }
        }
        appendOrdinaryIDs(scalars[segmentStart..<scalars.count], to: &ids)
        return ids
    }

    /// The tokens of `text`, without `[CLS]`/`[SEP]` (e.g. "unaffable" → un, ##aff, ##able).
    public func tokenize(_ text: String) -> [String] {
        tokenIDs(text).map(token(for:))
    }

    /// `[CLS]` + the token ids of `text` + `[SEP]`, the text's ids cut so the result has at most
    /// `maxLength` ids (`[SEP]` stays last), as `tokenizer(text, truncation=True, max_length=…)`.
    ///
    /// - Precondition: `maxLength >= 2`.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        let ids = tokenIDs(text)
        var result: [Int32] = []
        result.reserveCapacity(min(ids.count, maxLength - 2) + 2)
        result.append(specialTokens.cls)
        result.append(contentsOf: ids.prefix(maxLength - 2))
        result.append(specialTokens.sep)
        return result
    }

    /// The token text of `id`: the vocabulary entry, `[DEC]`/`[ENC]` for BLIP's added ids, and
    /// `[UNK]` for any other out-of-range id (as Hugging Face).
    public func token(for id: Int32) -> String {
        if let token = vocabulary.token(for: id) { return token }
        if id == specialTokens.dec { return BertSpecialTokens.decText }
        if id == specialTokens.enc { return BertSpecialTokens.encText }
        for entry in specialTokens.entries where entry.id == id { return entry.text }
        return BertSpecialTokens.unknownText
    }

    /// Text from ids, as Hugging Face's `tokenizer.decode(ids, skip_special_tokens:)`: tokens joined
    /// by spaces, "##" pieces glued to the previous piece, special tokens skipped (when asked), then
    /// (when asked) the clean-up of spaces before `.`, `?`, `!`, `,` and English contractions.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true, cleanUpTokenizationSpaces: Bool = true) -> String {
        let specialTexts = Set(specialTokens.entries.map(\.text))
        var subTexts: [[Unicode.Scalar]] = []
        var current: [String] = []
        func flush() {
            let text = Self.joinPieces(current)
            if !text.isEmpty { subTexts.append(text) }
            current.removeAll()
        }
        for id in ids {
            let token = token(for: id)
            if skipSpecialTokens && specialTexts.contains(token) { continue }
            // Hugging Face decodes an added "additional special token" ([ENC]) as its own piece.
            if token == BertSpecialTokens.encText && Int(specialTokens.enc) >= vocabulary.count {
                flush()
                subTexts.append(Array(token.unicodeScalars))
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { subTexts.append(Self.joinPieces(current)) }
        var text: [Unicode.Scalar] = []
        for (index, piece) in subTexts.enumerated() {
            if index > 0 { text.append(" ") }
            text.append(contentsOf: piece)
        }
        if cleanUpTokenizationSpaces {
            for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                               (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
                text = Self.replacing(Array(from.unicodeScalars), with: Array(to.unicodeScalars), in: text)
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return String(view)
    }

    // MARK: - Private

    private func specialToken(in scalars: [Unicode.Scalar], at i: Int) -> (id: Int32, length: Int)? {
        for special in specialScalars {
            let n = special.scalars.count
            if i + n <= scalars.count, scalars[i..<(i + n)].elementsEqual(special.scalars) {
                return (special.id, n)
            }
        }
        return nil
    }

    private func appendOrdinaryIDs(_ scalars: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard !scalars.isEmpty else { return }
        basicTokenizer.forEachWord(in: scalars) { word in
            wordPieceTokenizer.appendIDs(forWord: word, to: &ids)
        }
    }

    /// `" ".join(tokens).replace(" ##", "").strip()`.
    private static func joinPieces(_ tokens: [String]) -> [Unicode.Scalar] {
        var joined: [Unicode.Scalar] = []
        for (index, token) in tokens.enumerated() {
            if index > 0 { joined.append(" ") }
            joined.append(contentsOf: token.unicodeScalars)
        }
        joined = replacing([" ", "#", "#"], with: [], in: joined)
        var start = 0
        var end = joined.count
        while start < end, BertCharacterClass.isPythonSpace(joined[start]) { start += 1 }
        while end > start, BertCharacterClass.isPythonSpace(joined[end - 1]) { end -= 1 }
        return Array(joined[start..<end])
    }

    /// Python's `str.replace`: every non-overlapping occurrence, left to right, by scalars.
    static func replacing(_ target: [Unicode.Scalar], with replacement: [Unicode.Scalar],
                          in text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !target.isEmpty, text.count >= target.count else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + target.count <= text.count, text[i] == target[0],
               text[i..<(i + target.count)].elementsEqual(target) {
                output.append(contentsOf: replacement)
                i += target.count
            } else {
                output.append(text[i])
                i += 1
            }
        }
        return output
    }
}
