/// Which encoder a question is tokenised for: the first id is `[ENC]` for BLIP's multimodal
/// (image-grounded) text encoder and `[CLS]` for the text-only encoder.
public enum QuestionEncoderKind: Sendable, Hashable {
    /// The image-grounded encoder of BLIP VQA: `[ENC] … [SEP]`.
    case multimodal
    /// The unimodal text encoder: `[CLS] … [SEP]`.
    case textOnly
}

extension BertTokenizer {
    /// BLIP's maximum number of ids of a question, `[CLS]`/`[ENC]` and `[SEP]` included (35); a
    /// model's config may set another (`max_question_tokens`).
    public static let questionMaxLength = 35

    /// A question as BLIP VQA feeds it to its encoder: ``QuestionNormalizer`` (`pre_question`),
    /// then `tokenizer(question, truncation=True, max_length=maxLength)` (35 in BLIP), then the
    /// first id replaced by `[ENC]` (``QuestionEncoderKind/multimodal``, the default) or left as
    /// `[CLS]` (``QuestionEncoderKind/textOnly``).
    public func encodeQuestion(_ question: String, for encoder: QuestionEncoderKind = .multimodal,
                               maxLength: Int = BertTokenizer.questionMaxLength,
                               normalizer: QuestionNormalizer = QuestionNormalizer()) -> [Int32] {
        var ids = encode(normalizer.normalize(question), maxLength: maxLength)
        if encoder == .multimodal { ids[0] = specialTokens.enc }
        return ids
    }

    /// A question tokenised for both encoders, at most `maxLength` ids each: `[CLS] … [SEP]` for the
    /// text-only encoder (the text feature that drives pooling) and `[ENC] … [SEP]` for the
    /// video-grounded one. The two differ only in their first id.
    public func questionIDs(_ question: String, maxLength: Int) -> (textOnly: [Int], multimodal: [Int]) {
        var ids = encodeQuestion(question, for: .textOnly, maxLength: maxLength).map(Int.init)
        let textOnly = ids
        ids[0] = Int(specialTokens.enc)
        return (textOnly, ids)
    }

    /// An answer as BLIP VQA feeds it to its decoder: `tokenizer(answer)` (no truncation), then the
    /// first id replaced by `[DEC]`, giving `[DEC] answer-tokens [SEP]`.
    public func encodeAnswer(_ answer: String) -> [Int32] {
        var ids = tokenIDs(answer)
        ids.insert(specialTokens.dec, at: 0)
        ids.append(specialTokens.sep)
        return ids
    }
}
