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
        output = loader.prepared(Linear(weight: try loader.tensor("text_decoder.cls.predictions.decoder.weight", [c.vocabSize, c.hidden]),
                                        bias: try loader.tensor("text_decoder.cls.predictions.bias", [c.vocabSize])))
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
        return head(hidden, rows: positions)
    }

    /// The LM head on rows `rows` of `hidden`.
    func head(_ hidden: Tensor, rows: [Int]) -> Tensor {
        let h = bert.config.hidden
        var picked = Tensor(zeros: [rows.count, h])
        for (r, p) in rows.enumerated() { picked.data.replaceSubrange(r * h..<(r + 1) * h, with: hidden.row(p)) }
        var t = transform(picked)
        t.data.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
        t = transformNorm(t)
        return output(t)
    }

    /// Label-smoothed loss of predicting `target` from one row of logits:
    /// (1 − ε)(lse − x_target) + ε(lse − mean x), with lse = log Σ exp x accumulated in Double
    /// (the same quantity as from a Double log-softmax, without materialising it).
    func smoothedLoss(_ row: ArraySlice<Float>, target: Int) -> Double {
        let (lse, mean) = row.withUnsafeBufferPointer { Self.logSumExpAndMean($0) }
        let eps = Double(labelSmoothing)
        return (1 - eps) * (lse - Double(row[row.startIndex + target])) + eps * (lse - mean)
    }

    /// log-softmax of one row of logits, in Double: x − log Σ exp x.
    static func logSoftmax(_ row: ArraySlice<Float>) -> [Double] {
        let lse = row.withUnsafeBufferPointer { logSumExpAndMean($0).0 }
        return row.map { Double($0) - lse }
    }

    /// log Σ exp x and the mean of x over a row, vectorised, accumulated in Double.
    static func logSumExpAndMean(_ x: UnsafeBufferPointer<Float>) -> (Double, Double) {
        let n = x.count
        var m = -Float.infinity
        for v in x where v > m { m = v }
        let mv = SIMD8<Float>(repeating: m)
        var sumExp: Double = 0, sum: Double = 0
        var i = 0
        let raw = UnsafeRawPointer(x.baseAddress!)
        // Float lanes over blocks of 256 values, Double across blocks.
        while i + 8 <= n {
            var blockExp = SIMD8<Float>(repeating: 0), block = SIMD8<Float>(repeating: 0)
            let end = min(n - (n - i) % 8, i + 256)
            while i < end {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                blockExp += VectorMath.exp(v - mv)
                block += v
                i += 8
            }
            sumExp += Double(blockExp.sum())
            sum += Double(block.sum())
        }
        while i < n { sumExp += exp(Double(x[i] - m)); sum += Double(x[i]); i += 1 }
        return (Double(m) + log(sumExp), sum / Double(n))
    }

    /// The score BLIP's `rank_answer` gives a candidate `[DEC] tokens… [SEP]`: minus the summed
    /// label-smoothed cross-entropy of every token after [DEC], accumulated in Double.
    public func score(candidate ids: [Int], memory: Memory) -> Double {
        let logits = logits(ids: ids, memory: memory, positions: Array(0..<(ids.count - 1)))
        var loss: Double = 0
        for i in 0..<(ids.count - 1) { loss += smoothedLoss(logits.row(i), target: ids[i + 1]) }
        return -loss
    }

    /// One ranked candidate.
    public struct RankedAnswer: Sendable, Equatable {
        /// Index into the candidate list.
        public var index: Int
        /// Probability of the candidate's first token after [DEC].
        public var firstTokenProbability: Float
        /// −Σ label-smoothed token losses (BLIP's rank score).
        public var score: Double
    }

    /// BLIP's `rank_answer`: the top `k` candidates by first-token probability, each scored on its
    /// whole sequence; returned best first (ties keep the top-k order, as `argmax` does).
    ///
    /// The top-k candidates run through the decoder together (packed, one matrix product per
    /// projection), and the prediction after [DEC], which every candidate shares, is computed once.
    public func rank(candidates: [[Int]], memory: Memory, k: Int = 128) -> [RankedAnswer] {
        guard !candidates.isEmpty else { return [] }
        if candidates.count <= k { return rankAll(candidates: candidates, memory: memory) }
        // [DEC] runs once; every candidate continues it from its cached keys and values.
        let (decHidden, decCache) = bert.forwardCaching(ids: [special.dec], cross: memory.layers, crossMask: memory.mask)
        let first = head(decHidden, rows: [0])
        let lp = Self.logSoftmax(first.row(0))
        let probabilities = candidates.map { $0.count > 1 ? Float(exp(lp[$0[1]])) : 0 }
        let top = Array(Self.topOrder(probabilities).prefix(min(k, candidates.count))).filter { candidates[$0].count > 1 && candidates[$0][0] == special.dec }
        // Inputs after [DEC], without the final token: its output predicts nothing that is scored.
        let sequences = top.map { Array(candidates[$0].dropFirst().dropLast()) }
        let (hidden, ranges) = bert.forwardPacked(sequences, causal: true, cross: memory.layers, crossMask: memory.mask, prefix: decCache)
        return finishRanking(candidates: candidates, top: top, ranges: ranges, hidden: hidden, first: first, probabilities: probabilities)
    }

    /// ``rank(candidates:memory:k:)`` when every candidate is kept (k ≥ the number of candidates, as
    /// with BLIP's k = 128 over a short list): [DEC] and all candidates go through the decoder in one
    /// packed pass (``BertStack/forwardSharedPrefix(_:_:cross:crossMask:)``), so the weights are
    /// streamed once for [DEC]'s single row and the candidates' rows together.
    func rankAll(candidates: [[Int]], memory: Memory) -> [RankedAnswer] {
        let valid = candidates.indices.filter { candidates[$0].count > 1 && candidates[$0][0] == special.dec }
        // Inputs after [DEC], without the final token: its output predicts nothing that is scored.
        let (hidden, ranges) = bert.forwardSharedPrefix([special.dec], valid.map { Array(candidates[$0].dropFirst().dropLast()) },
                                                        cross: memory.layers, crossMask: memory.mask)
        let first = head(hidden, rows: [0])
        let lp = Self.logSoftmax(first.row(0))
        let probabilities = candidates.map { $0.count > 1 ? Float(exp(lp[$0[1]])) : 0 }
        var rangeOf: [Int: Range<Int>] = [:]
        for (i, c) in valid.enumerated() { rangeOf[c] = ranges[i] }
        let top = Self.topOrder(probabilities).filter { rangeOf[$0] != nil }
        return finishRanking(candidates: candidates, top: top, ranges: top.map { rangeOf[$0]! }, hidden: hidden, first: first,
                             probabilities: probabilities)
    }

    /// torch.topk's order as BLIP uses it: largest first; equal values in ascending candidate index.
    static func topOrder(_ probabilities: [Float]) -> [Int] {
        probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
    }

    /// The end both rankings share: every kept candidate `top[c]` (in top-k order) scored on its whole
    /// sequence. `first` holds the prediction after [DEC] (its token 1's loss); `hidden` rows
    /// `ranges[c]` are the candidate's outputs after its tokens 1…, row i predicting token i + 2.
    /// Returns the candidates best first; equal scores keep the top-k order, as `argmax` does.
    private func finishRanking(candidates: [[Int]], top: [Int], ranges: [Range<Int>], hidden: Tensor, first: Tensor,
                               probabilities: [Float]) -> [RankedAnswer] {
        let firstLoss = Dictionary(uniqueKeysWithValues: Set(top.map { candidates[$0][1] }).map { ($0, smoothedLoss(first.row(0), target: $0)) })
        var losses = top.map { firstLoss[candidates[$0][1]]! }
        var rows: [Int] = [], owners: [(candidate: Int, target: Int)] = []
        for (c, r) in ranges.enumerated() {
            for i in 0..<r.count { rows.append(r.lowerBound + i); owners.append((c, candidates[top[c]][i + 2])) }
        }
        let chunk = 256
        var start = 0
        while start < rows.count {
            let end = min(start + chunk, rows.count)
            let logits = head(hidden, rows: Array(rows[start..<end]))
            let targets = owners[start..<end].map(\.target)
            // One log-sum-exp over the vocabulary per row, rows spread over the cores; summed in row order.
            let rowLosses = Parallel.map(end - start) { i in smoothedLoss(logits.row(i), target: targets[i]) }
            for i in start..<end { losses[owners[i].candidate] += rowLosses[i - start] }
            start = end
        }
        let ranked = top.enumerated().map { n, i in RankedAnswer(index: i, firstTokenProbability: probabilities[i], score: -losses[n]) }
        return ranked.enumerated().sorted { l, r in l.element.score != r.element.score ? l.element.score > r.element.score : l.offset < r.offset }.map(\.element)
    }

    /// A generated answer.
    public struct Generation: Sendable, Equatable {
        /// The tokens after [DEC]; the last is [SEP] when the hypothesis finished.
        public var ids: [Int]
        /// Summed log-probabilities (Double).
        public var score: Double
        /// Whether the hypothesis ended with [SEP] (otherwise it ran out of tokens).
        public var finished: Bool
        /// The tokens without the final [SEP].
        public var answerIDs: [Int] { finished ? Array(ids.dropLast()) : ids }
    }

    /// The most tokens ``generate(memory:beams:maxTokens:minTokens:)`` produces by default (BLIP VQA's `max_length`).
    public static let maxGeneratedTokens = 10

    /// Beam search from [DEC], exactly as docs/model.md ("Beam search (exact)") specifies; greedy
    /// decoding is `beams = 1`.
    public func generate(memory: Memory, beams: Int = 3, maxTokens: Int = maxGeneratedTokens, minTokens: Int = 1) -> Generation {
        precondition(beams >= 1)
        // Each alive hypothesis keeps its decoder key/value cache and the log-probabilities of its next token.
        struct Alive { var ids: [Int]; var score: Double; var cache: [KeyValueBlock]; var next: [Double] }
        let (rootHidden, rootCache) = bert.forwardCaching(ids: [special.dec], cross: memory.layers, crossMask: memory.mask)
        var alive = [Alive(ids: [], score: 0, cache: rootCache, next: Self.logSoftmax(head(rootHidden, rows: [0]).row(0)))]
        var finished: [(ids: [Int], score: Double)] = []
        func bestFinished() -> (ids: [Int], score: Double)? {
            var best: (ids: [Int], score: Double)?
            for f in finished where best == nil || f.score > best!.score { best = f }
            return best
        }
        for step in 0..<maxTokens {
            // Top 2B candidates by (value descending, flat index ascending).
            let keep = 2 * beams
            var top: [(value: Double, beam: Int, token: Int)] = []
            for (b, hyp) in alive.enumerated() {
                for (v, l) in hyp.next.enumerated() {
                    if step < minTokens && v == special.sep { continue }
                    let value = hyp.score + l
                    if top.count == keep, value <= top[keep - 1].value { continue }
                    var i = top.count
                    while i > 0, top[i - 1].value < value { i -= 1 }
                    top.insert((value, b, v), at: i)
                    if top.count > keep { top.removeLast() }
                }
            }
            var chosen: [(beam: Int, token: Int, value: Double)] = []
            for c in top {
                if c.token == special.sep { finished.append((alive[c.beam].ids + [c.token], c.value)) } else { chosen.append((c.beam, c.token, c.value)) }
                if chosen.count == beams { break }
            }
            let lastStep = step == maxTokens - 1
            alive = chosen.map { c in
                let parent = alive[c.beam]
                guard !lastStep else { return Alive(ids: parent.ids + [c.token], score: c.value, cache: [], next: []) }
                // One new row, attending to the parent's cache.
                let out = bert.forwardPackedCaching([[c.token]], causal: true, cross: memory.layers, crossMask: memory.mask, prefix: parent.cache)
                return Alive(ids: parent.ids + [c.token], score: c.value,
                             cache: zip(parent.cache, out.keyValues).map { $0.appending($1) },
                             next: Self.logSoftmax(head(out.hidden, rows: [0]).row(0)))
            }
            if let f = bestFinished(), alive.isEmpty || f.score >= alive[0].score {
                return Generation(ids: f.ids, score: f.score, finished: true)
            }
        }
        if let f = bestFinished(), f.score >= alive[0].score { return Generation(ids: f.ids, score: f.score, finished: true) }
        return Generation(ids: alive[0].ids, score: alive[0].score, finished: false)
    }
}
