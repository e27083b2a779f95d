/// BLIP's `pre_question` (data/utils.py), exactly:
///
/// ```python
/// question = re.sub(r"([.!\"()*#:;~])", '', question.lower())
/// question = question.rstrip(' ')
/// question_words = question.split(' ')
/// if len(question_words) > max_ques_words:
///     question = ' '.join(question_words[:max_ques_words])
/// ```
///
/// Lower-casing is Python's `str.lower()` (full mappings, final sigma); only the ten characters
/// `. ! " ( ) * # : ; ~` are removed (commas, `?` and apostrophes stay); only trailing U+0020 spaces
/// are stripped; words are split on single U+0020 spaces, so runs of spaces make empty words that
/// count towards the limit and survive the join.
public struct QuestionNormalizer: Sendable, Hashable {
    /// The maximum number of space-separated words kept (`max_ques_words`, 50 in BLIP).
    public var maxWords: Int

    /// Creates a normaliser keeping at most `maxWords` words.
    public init(maxWords: Int = 50) {
        self.maxWords = maxWords
    }

    /// The normalised question.
    public func normalize(_ question: String) -> String {
        let lowered = PythonCaseMapping.lowercased(Array(question.unicodeScalars))
        var kept: [Unicode.Scalar] = []
        kept.reserveCapacity(lowered.count)
        for s in lowered {
            switch s {
            case ".", "!", "\"", "(", ")", "*", "#", ":", ";", "~": continue
            default: kept.append(s)
            }
        }
        while let last = kept.last, last == " " { kept.removeLast() }
        if maxWords <= 0 { return "" }  // Python: ' '.join(words[:0])
        var spaces = 0
        for (index, s) in kept.enumerated() where s == " " {
            spaces += 1
            if spaces == maxWords {  // `maxWords` words end before this space
                kept.removeSubrange(index...)
                break
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: kept)
        return String(view)
    }
}
