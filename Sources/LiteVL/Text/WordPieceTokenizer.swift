/// WordPiece: greedy longest-match-first splitting of a word into vocabulary pieces, pieces after
/// the first being looked up with a "##" prefix, as in Hugging Face's `WordpieceTokenizer`.
///
/// A word longer than ``maxCharactersPerWord`` Unicode scalars, or one that cannot be covered by
/// vocabulary pieces, becomes the single unknown token. Candidate pieces are never longer than the
/// longest vocabulary entry, so a word costs O(length × longest piece) dictionary lookups of array
/// slices, with no string building.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary pieces come from.
    public let vocabulary: WordPieceVocabulary
    /// The id emitted for a word that cannot be tokenised (`[UNK]`, 100 in bert-base-uncased).
    public let unknownTokenID: Int32
    /// Words with more Unicode scalars than this become the unknown token (100 in BERT).
    public let maxCharactersPerWord: Int

    /// Creates a WordPiece tokenizer over `vocabulary`.
    public init(vocabulary: WordPieceVocabulary, unknownTokenID: Int32 = 100, maxCharactersPerWord: Int = 100) {
        self.vocabulary = vocabulary
        self.unknownTokenID = unknownTokenID
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// The ids of the pieces of each whitespace-separated word of `text`.
    public func ids(for text: String) -> [Int32] {
        var ids: [Int32] = []
        let scalars = Array(text.unicodeScalars)
        var start = 0
        for i in 0...scalars.count where i == scalars.count || BertCharacterClass.isPythonSpace(scalars[i]) {
            if start < i { appendIDs(forWord: scalars[start..<i], to: &ids) }
            start = i + 1
        }
        return ids
    }

    /// The pieces of each whitespace-separated word of `text`, e.g. "unaffable" → un, ##aff, ##able.
    public func tokenize(_ text: String) -> [String] {
        ids(for: text).map { vocabulary.token(for: $0) ?? BertSpecialTokens.unknownText }
    }

    /// Appends the piece ids of one word (no whitespace inside) to `ids`.
    func appendIDs(forWord word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        if word.count > maxCharactersPerWord {
            ids.append(unknownTokenID)
            return
        }
        let mark = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            let isFirst = start == word.startIndex
            let table = isFirst ? vocabulary.wholeTokenIDs : vocabulary.continuationIDs
            let longest = isFirst ? vocabulary.longestToken : vocabulary.longestContinuation
            var end = min(word.endIndex, start + longest)
            var found: Int32?
            while start < end {
                if let id = table[word[start..<end]] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(mark...)
                ids.append(unknownTokenID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
