import Foundation

/// BLIP's answer decoder: a causal BERT stack with cross-attention to the question states and
/// an LM head (docs/model.md, "Answer decoder").
public struct AnswerDecoder: Sendable {
    public let bert: BertStack
    public let transform: Linear
    public let transformNorm: LayerNorm
    public let output: Linear
    public let labelSmoothing: Float
    public let special: LiteVLConfig.SpecialTokens

    init(loader: WeightLoader, config: LiteVLConfig) throws(ModelError) {
        let c = config.decoder
        bert = try BertStack(loader: loader, prefix: "text_decoder.bert", config: c, crossWidth: config.text.hidden)
        transform = try loader.linear("text_decoder.cls.predictions.transform.dense", in: c.hidden, out: c.hidden)
        transformNorm = try loader.layerNorm("text_decoder.cls.predictions.transform.LayerNorm", width: c.hidden, eps: c.eps)
        output = Linear(weight: try loader.tensor("text_decoder.cls.predictions.decoder.weight", [c.vocabSize, c.hidden]),
                        bias: try loader.tensor("text_decoder.cls.predictions.bias", [c.vocabSize]))
        labelSmoothing = config.labelSmoothing
        special = config.specialTokens
    }

    /// The question states as the decoder's cross-attention memory, projected once per question.
    public struct Memory: Sendable {
        public let layers: BertStack.CrossMemory
        public let mask: [Int]?
    }

    /// Projects the question states (`[tokens, hidden]`, with their padding mask) for every layer.
    public func memory(questionStates: Tensor, mask: [Int]? = nil) -> Memory {
        Memory(layers: bert.crossKeyValues(questionStates).map { [$0] }, mask: mask)
    }

    /// Vocabulary logits for rows `positions` of the decoder's output on `ids`: `[positions.count, vocab]`.
    public func logits(ids: [Int], memory: Memory, positions: [Int]) -> Tensor {
        let (hidden, _) = bert.forward(ids: ids, causal: true, cross: memory.layers, crossMask: memory.mask)
        let h = bert.config.hidden
        var picked = Tensor(zeros: [positions.count, h])
        for (r, p) in positions.enumerated() { picked.data.replaceSubrange(r * h..<(r + 1) * h, with: hidden.row(p)) }
        var t = transform(picked)
        t.data.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
        t = transformNorm(t)
        return output(t)
    }

    /// log-softmax of one row of logits.
    static func logSoftmax(_ row: ArraySlice<Float>) -> [Float] {
        let m = row.max() ?? 0
        var sum: Double = 0
        for v in row { sum += Double(expf(v - m)) }
        let lse = m + Float(log(sum))
        return row.map { $0 - lse }
    }

    /// The score BLIP's `rank_answer` gives a candidate `[DEC] tokens… [SEP]`: minus the summed
    /// label-smoothed cross-entropy of every token after [DEC].
    public func score(candidate ids: [Int], memory: Memory) -> Float {
        let logits = logits(ids: ids, memory: memory, positions: Array(0..<(ids.count - 1)))
        let vocab = logits.columns
        var loss: Double = 0
        for i in 0..<(ids.count - 1) {
            let lp = Self.logSoftmax(logits.row(i))
            let target = ids[i + 1]
            var mean: Double = 0
            for v in lp { mean += Double(v) }
            mean /= Double(vocab)
            loss += Double(1 - labelSmoothing) * Double(-lp[target]) + Double(labelSmoothing) * (-mean)
        }
        return Float(-loss)
    }

    /// One ranked candidate.
    public struct RankedAnswer: Sendable, Equatable {
        /// Index into the candidate list.
        public var index: Int
        /// Probability of the candidate's first token after [DEC].
        public var firstTokenProbability: Float
        /// −Σ label-smoothed token losses (BLIP's rank score).
        public var score: Float
    }

    /// BLIP's `rank_answer`: the top `k` candidates by first-token probability, each scored on its
    /// whole sequence; returned best first (ties keep the top-k order, as `argmax` does).
    public func rank(candidates: [[Int]], memory: Memory, k: Int = 128) -> [RankedAnswer] {
        guard !candidates.isEmpty else { return [] }
        let first = logits(ids: [special.dec], memory: memory, positions: [0])
        let lp = Self.logSoftmax(first.row(0))
        let probabilities = candidates.map { $0.count > 1 ? expf(lp[$0[1]]) : 0 }
        // torch.topk: largest first; among equal values the lower index first.
        let order = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        let top = order.prefix(min(k, candidates.count))
        var ranked = top.map { i in
            RankedAnswer(index: i, firstTokenProbability: probabilities[i], score: score(candidate: candidates[i], memory: memory))
        }
        // Stable sort by score: equal scores keep the top-k order.
        ranked = ranked.enumerated().sorted { l, r in l.element.score != r.element.score ? l.element.score > r.element.score : l.offset < r.offset }.map(\.element)
        return ranked
    }

    /// Greedy decoding from [DEC]: at most `maxTokens` new tokens, at least `minTokens` before
    /// [SEP] may end it. Returns the new tokens without [DEC] and without the final [SEP].
    public func greedy(memory: Memory, maxTokens: Int = 10, minTokens: Int = 1) -> [Int] {
        var ids = [special.dec]
        for step in 0..<maxTokens {
            let row = logits(ids: ids, memory: memory, positions: [ids.count - 1]).row(0)
            var best = -1, bestValue = -Float.infinity
            for (i, v) in zip(row.indices, row) where v > bestValue {
                if step < minTokens && i - row.startIndex == special.sep { continue }
                best = i - row.startIndex; bestValue = v
            }
            if best == special.sep { break }
            ids.append(best)
        }
        return Array(ids.dropFirst())
    }
}

extension AnswerDecoder {
    /// Beam search from [DEC] (docs/model.md, "Answer decoder"): returns the best hypothesis's new
    /// tokens without [DEC] and [SEP].
    public func beamSearch(memory: Memory, beams: Int = 3, maxTokens: Int = 10, minTokens: Int = 1) -> [Int] {
        struct Hypothesis { var ids: [Int]; var score: Float }
        var alive = [Hypothesis(ids: [special.dec], score: 0)]
        var finished: [Hypothesis] = []
        for step in 0..<maxTokens {
            var expansions: [Hypothesis] = []
            for hyp in alive {
                let lp = Self.logSoftmax(logits(ids: hyp.ids, memory: memory, positions: [hyp.ids.count - 1]).row(0))
                for (token, value) in lp.enumerated() {
                    if token == special.sep && step < minTokens { continue }
                    expansions.append(Hypothesis(ids: hyp.ids + [token], score: hyp.score + value))
                }
            }
            expansions.sort { $0.score > $1.score }
            alive = []
            for e in expansions {
                if e.ids.last == special.sep { finished.append(e) } else { alive.append(e) }
                if alive.count == beams { break }
            }
            if alive.isEmpty { break }
        }
        let best = (finished + alive).max { $0.score < $1.score }!
        var ids = Array(best.ids.dropFirst())
        if ids.last == special.sep { ids.removeLast() }
        return ids
    }
}
