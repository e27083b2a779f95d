import Foundation

/// Text-to-video retrieval with a LiteVL model: strings in, ranked clips out.
///
/// Clips are compared through their frame embeddings (``LiteVLModel/frameEmbeddings(_:)``, small
/// enough to cache per clip); the best of them can be re-ranked with the ITM head, which needs
/// the clip's full features. The score is docs/retrieval.md's.
public struct TextVideoRetriever: Sendable {
    public let model: LiteVLModel
    public let tokenizer: BertTokenizer

    public init(model: LiteVLModel, tokenizer: BertTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// A query, tokenised and encoded once for every clip.
    public struct Query: Sendable {
        public var text: String
        /// `[CLS] … [SEP]` (text mode).
        public var textIDs: [Int]
        /// `[ENC] … [SEP]` (multimodal, for ITM).
        public var multimodalIDs: [Int]
        /// q = normalize(text_proj(text_encoder(query)[CLS])).
        public var feature: [Float]
    }

    /// Tokenises the query the way questions are (BLIP's normalisation, at most 35 tokens) and
    /// computes its text feature. Throws ``ModelError/badInput(_:)`` for an empty query.
    public func query(_ text: String) throws(ModelError) -> Query {
        // Without ITC projections the frame embeddings are ViT-wide and the text feature text-wide.
        if model.visionProjection == nil && model.config.vision.width != model.config.text.hidden {
            throw .unsupported(path: model.source, reason: "the model has no ITC projections (vision_proj, text_proj) and its vision width \(model.config.vision.width) differs from its text width \(model.config.text.hidden), so it cannot compare a description with clips; search with a model trained for retrieval (e.g. the bundled litevl-tiny)")
        }
        switch VideoQuestionAnswerer.TextInputProblem(text) {
        case .tooLong?:
            throw .badInput("the search text is longer than \(VideoQuestionAnswerer.maxQuestionCharacters) characters, the limit (a model reads only a question's first tokens, 35 in BLIP, about 30 words): describe the clip in a sentence")
        case .empty?:
            throw .badInput("the search text is empty; describe the clip you are looking for")
        case nil:
            break
        }
        let (textIDs, multimodalIDs) = tokenizer.questionIDs(text, maxLength: model.config.maxQuestionTokens)
        let feature = model.textFeature(ids: textIDs)
        if !feature.allSatisfy(\.isFinite) { throw .nonFinite(path: model.source, stage: "the text feature") }
        return Query(text: text, textIDs: textIDs, multimodalIDs: multimodalIDs, feature: feature)
    }

    /// The pooled ITC score of a clip given its frame embeddings `[frames, embedDim]`.
    public func similarity(_ query: Query, frameEmbeddings: Tensor) -> PooledSimilarity {
        model.pooledSimilarity(frameEmbeddings: frameEmbeddings, text: query.feature)
    }

    /// The ITM match probability of a clip (nil without an ITM head).
    public func matchProbability(_ query: Query, video: EncodedVideo) -> Float? {
        model.matchProbability(video, textFeature: query.feature, multimodalIDs: query.multimodalIDs)
    }

    /// One ranked clip.
    public struct Ranked: Sendable, Equatable {
        /// Index into the scored clips.
        public var index: Int
        /// The pooled ITC score.
        public var similarity: Float
        /// The ITM match probability, for re-ranked clips.
        public var matchProbability: Float?
    }

    /// Ranks clips by ITC score (descending, ties by index), then re-orders the first `rerank` of
    /// them by `matchProbability` (descending, ties by ITC order); clips without a probability
    /// keep their place after the re-ranked ones. Every index appears exactly once.
    public static func rank(similarities: [Float], rerank: Int, matchProbability: (Int) -> Float?) -> [Ranked] {
        let order = similarities.indices.sorted { similarities[$0] != similarities[$1] ? similarities[$0] > similarities[$1] : $0 < $1 }
        let head = Array(order.prefix(max(0, rerank)))
        var scored = head.enumerated().map { (position: $0.offset, ranked: Ranked(index: $0.element, similarity: similarities[$0.element],
                                                                                  matchProbability: matchProbability($0.element))) }
        scored.sort { a, b in
            switch (a.ranked.matchProbability, b.ranked.matchProbability) {
            case let (pa?, pb?) where pa != pb: return pa > pb
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.position < b.position
            }
        }
        return scored.map(\.ranked) + order.dropFirst(head.count).map { Ranked(index: $0, similarity: similarities[$0], matchProbability: nil) }
    }
}
