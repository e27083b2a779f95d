import Foundation

/// Keys and values of some cross-attention memory rows, already projected by one layer's
/// `crossattention.self.key`/`value`: `[rows, hidden]` each.
public struct KeyValueBlock: Sendable {
    public var keys: Tensor
    public var values: Tensor
    public var rows: Int { keys.shape[0] }

    /// These rows followed by `other`'s.
    public func appending(_ other: KeyValueBlock) -> KeyValueBlock {
        let h = keys.shape[1]
        return KeyValueBlock(keys: Tensor(shape: [rows + other.rows, h], data: keys.data + other.keys.data),
                             values: Tensor(shape: [rows + other.rows, h], data: values.data + other.values.data))
    }
}

/// One BERT layer of BLIP's MED: self-attention, optional cross-attention, feed-forward, each
/// post-LN with a residual (docs/model.md, "Text encoder").
public struct BertLayer: Sendable {
    public struct AttentionBlock: Sendable {
        public let query: Linear
        public let key: Linear
        public let value: Linear
        public let output: Linear
        public let norm: LayerNorm

        init(loader: WeightLoader, prefix p: String, hidden: Int, keyWidth: Int, eps: Float) throws(ModelError) {
            query = try loader.linear(p + ".self.query", in: hidden, out: hidden)
            key = try loader.linear(p + ".self.key", in: keyWidth, out: hidden)
            value = try loader.linear(p + ".self.value", in: keyWidth, out: hidden)
            output = try loader.linear(p + ".output.dense", in: hidden, out: hidden)
            norm = try loader.layerNorm(p + ".output.LayerNorm", width: hidden, eps: eps)
        }

        /// Projects memory rows into this block's keys and values.
        func keyValues(_ memory: UnsafePointer<Float>, rows: Int) -> KeyValueBlock {
            let h = query.outFeatures
            var k = Tensor(zeros: [rows, h]), v = Tensor(zeros: [rows, h])
            k.data.withUnsafeMutableBufferPointer { key.apply(memory, rows: rows, into: $0.baseAddress!) }
            v.data.withUnsafeMutableBufferPointer { value.apply(memory, rows: rows, into: $0.baseAddress!) }
            return KeyValueBlock(keys: k, values: v)
        }
    }

    public let attention: AttentionBlock
    public let crossAttention: AttentionBlock?
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm

    init(loader: WeightLoader, prefix p: String, config c: LiteVLConfig.Text, crossWidth: Int?) throws(ModelError) {
        attention = try AttentionBlock(loader: loader, prefix: p + ".attention", hidden: c.hidden, keyWidth: c.hidden, eps: c.eps)
        if let crossWidth {
            crossAttention = try AttentionBlock(loader: loader, prefix: p + ".crossattention", hidden: c.hidden, keyWidth: crossWidth, eps: c.eps)
        } else {
            crossAttention = nil
        }
        intermediate = try loader.linear(p + ".intermediate.dense", in: c.hidden, out: c.intermediate)
        output = try loader.linear(p + ".output.dense", in: c.intermediate, out: c.hidden)
        outputNorm = try loader.layerNorm(p + ".output.LayerNorm", width: c.hidden, eps: c.eps)
    }

    /// x ← LayerNorm(x + output(attention(query(x), keys, values))).
    ///
    /// With `packed`, x holds several sequences one after another and each range of rows attends
    /// only to the same range of `segments` (self-attention of packed sequences).
    private func attend(_ block: AttentionBlock, x: inout Tensor, heads: Int, segments: [KeyValueSegment],
                        keyBias: [Float]?, causal: Bool, probabilities: UnsafeMutablePointer<Float>?,
                        packed: [Range<Int>]? = nil, prefix: KeyValueSegment? = nil, prefixSkipsFirstRange: Bool = false) {
        let l = x.shape[0], h = x.shape[1]
        let lk = packed.map { ($0.map(\.count).max() ?? 0) + (prefix?.count ?? 0) } ?? segments.reduce(0) { $0 + $1.count }
        var q = Tensor(zeros: [l, h]), ctx = Tensor(zeros: [l, h]), proj = Tensor(zeros: [l, h])
        let queryRows = packed.map { $0.map(\.count).max() ?? 0 } ?? l
        var scores = [Float](repeating: 0, count: queryRows * lk)
        x.data.withUnsafeBufferPointer { xp in
            q.data.withUnsafeMutableBufferPointer { block.query.apply(xp.baseAddress!, rows: l, into: $0.baseAddress!) }
        }
        let bias = keyBias ?? []
        bias.withUnsafeBufferPointer { bp in
            q.data.withUnsafeBufferPointer { qp in
                ctx.data.withUnsafeMutableBufferPointer { cp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        if let packed {
                            let s = segments[0]
                            for (n, r) in packed.enumerated() {
                                let seg = KeyValueSegment(keys: s.keys + r.lowerBound * s.ldk, ldk: s.ldk,
                                                          values: s.values + r.lowerBound * s.ldv, ldv: s.ldv, count: r.count)
                                let sees = prefixSkipsFirstRange && n == 0 ? nil : prefix
                                Attention.multiHead(q: qp.baseAddress! + r.lowerBound * h, ldq: h, segments: (sees.map { [$0] } ?? []) + [seg],
                                                    lq: r.count, heads: heads, headDim: h / heads, causal: causal,
                                                    causalOffset: sees?.count ?? 0,
                                                    out: cp.baseAddress! + r.lowerBound * h, ldo: h, scores: sp.baseAddress!)
                            }
                        } else {
                            Attention.multiHead(q: qp.baseAddress!, ldq: h, segments: segments, lq: l, heads: heads, headDim: h / heads,
                                                keyBias: keyBias == nil ? nil : bp.baseAddress!, causal: causal,
                                                out: cp.baseAddress!, ldo: h, scores: sp.baseAddress!, probabilities: probabilities)
                        }
                    }
                }
            }
        }
        ctx.data.withUnsafeBufferPointer { cp in
            proj.data.withUnsafeMutableBufferPointer { block.output.apply(cp.baseAddress!, rows: l, into: $0.baseAddress!) }
        }
        x.data.withUnsafeMutableBufferPointer { xp in
            proj.data.withUnsafeBufferPointer { Kernels.axpy(xp.baseAddress!, $0.baseAddress!, count: l * h) }
            block.norm.apply(xp.baseAddress!, rows: l)
        }
    }

    /// Runs the layer on `x` (`[tokens, hidden]`).
    ///
    /// - Parameters:
    ///   - selfBias: additive bias per token for self-attention keys (padding), or nil.
    ///   - cross: the memory's keys and values for this layer, in order; nil skips cross-attention.
    ///   - crossBias: additive bias per memory row, or nil.
    ///   - crossProbabilities: receives `[heads, tokens, memory rows]` when given.
    @discardableResult
    func forward(_ x: inout Tensor, heads: Int, selfBias: [Float]?, causal: Bool,
                 cross: [KeyValueBlock]?, crossBias: [Float]?, crossProbabilities: UnsafeMutablePointer<Float>?,
                 packed: [Range<Int>]? = nil, prefix: KeyValueBlock? = nil, sharedPrefixRows: Int = 0) -> KeyValueBlock {
        let h = x.shape[1]
        let kv = x.data.withUnsafeBufferPointer { attention.keyValues($0.baseAddress!, rows: x.shape[0]) }
        if sharedPrefixRows > 0 {
            // Rows 0..<p are one causal sequence; every packed range after them continues it.
            withSegments([kv]) { segs in
                let s = segs[0]
                let shared = KeyValueSegment(keys: s.keys, ldk: s.ldk, values: s.values, ldv: s.ldv, count: sharedPrefixRows)
                attend(attention, x: &x, heads: heads, segments: [s], keyBias: nil, causal: true, probabilities: nil,
                       packed: [0..<sharedPrefixRows] + (packed ?? []), prefix: shared, prefixSkipsFirstRange: true)
            }
        } else if let prefix {
            withSegments([kv, prefix]) { segs in
                attend(attention, x: &x, heads: heads, segments: [segs[0]], keyBias: selfBias, causal: causal, probabilities: nil,
                       packed: packed ?? [0..<x.shape[0]], prefix: segs[1])
            }
        } else {
            withSegments([kv]) { segs in
                attend(attention, x: &x, heads: heads, segments: segs, keyBias: selfBias, causal: causal, probabilities: nil,
                       packed: packed)
            }
        }
        if let crossAttention, let cross {
            withSegments(cross) { segs in
                attend(crossAttention, x: &x, heads: heads, segments: segs, keyBias: crossBias, causal: false,
                       probabilities: crossProbabilities)
            }
        }
        let l = x.shape[0]
        var inner = Tensor(zeros: [l, intermediate.outFeatures]), out = Tensor(zeros: [l, h])
        x.data.withUnsafeBufferPointer { xp in
            inner.data.withUnsafeMutableBufferPointer { ip in
                intermediate.apply(xp.baseAddress!, rows: l, into: ip.baseAddress!)
                Kernels.gelu(ip.baseAddress!, count: ip.count)
            }
        }
        inner.data.withUnsafeBufferPointer { ip in
            out.data.withUnsafeMutableBufferPointer { output.apply(ip.baseAddress!, rows: l, into: $0.baseAddress!) }
        }
        x.data.withUnsafeMutableBufferPointer { xp in
            out.data.withUnsafeBufferPointer { Kernels.axpy(xp.baseAddress!, $0.baseAddress!, count: l * h) }
            outputNorm.apply(xp.baseAddress!, rows: l)
        }
        return kv
    }
}

/// Calls `body` with attention segments pointing into `blocks`' tensors.
func withSegments<R>(_ blocks: [KeyValueBlock], _ body: ([KeyValueSegment]) -> R) -> R {
    func go(_ i: Int, _ acc: [KeyValueSegment]) -> R {
        if i == blocks.count { return body(acc) }
        let h = blocks[i].keys.shape[1]
        return blocks[i].keys.data.withUnsafeBufferPointer { kp in
            blocks[i].values.data.withUnsafeBufferPointer { vp in
                go(i + 1, acc + [KeyValueSegment(keys: kp.baseAddress!, ldk: h, values: vp.baseAddress!, ldv: h, count: blocks[i].rows)])
            }
        }
    }
    return go(0, [])
}

/// A BERT stack: embeddings (word + position, LayerNorm; no token types) and layers.
public struct BertStack: Sendable {
    public let config: LiteVLConfig.Text
    public let wordEmbeddings: RowTable
    public let positionEmbeddings: WeightTensor
    public let embeddingNorm: LayerNorm
    public let layers: [BertLayer]

    init(loader: WeightLoader, prefix p: String, config c: LiteVLConfig.Text, crossWidth: Int?) throws(ModelError) {
        config = c
        wordEmbeddings = try loader.rowTable(p + ".embeddings.word_embeddings.weight", [c.vocabSize, c.hidden])
        positionEmbeddings = try loader.tensor(p + ".embeddings.position_embeddings.weight", [c.maxPositions, c.hidden])
        embeddingNorm = try loader.layerNorm(p + ".embeddings.LayerNorm", width: c.hidden, eps: c.eps)
        var layers: [BertLayer] = []
        for i in 0..<c.layers {
            layers.append(try BertLayer(loader: loader, prefix: "\(p).encoder.layer.\(i)", config: c, crossWidth: crossWidth))
        }
        self.layers = layers
    }

    /// LayerNorm(word_embeddings[ids] + position_embeddings[0..<count]).
    public func embed(_ ids: [Int]) -> Tensor {
        embed(tokens: ids.enumerated().map { (id: $0.element, position: $0.offset) })
    }

    /// One row per token, in order: LayerNorm(word_embeddings[id] + position_embeddings[position]).
    func embed(tokens: [(id: Int, position: Int)]) -> Tensor {
        let h = config.hidden
        var x = Tensor(zeros: [tokens.count, h])
        x.data.withUnsafeMutableBufferPointer { xp in
            for (i, t) in tokens.enumerated() {
                let row = xp.baseAddress! + i * h
                wordEmbeddings.copyRow(t.id, into: row)
                Kernels.axpy(row, positionEmbeddings.pointer + t.position * h, count: h)
            }
            embeddingNorm.apply(xp.baseAddress!, rows: tokens.count)
        }
        return x
    }

    /// The additive key bias for an attention mask (1 = attend, 0 = padding), as BLIP/HF compute it.
    public static func keyBias(mask: [Int]) -> [Float]? {
        mask.allSatisfy({ $0 != 0 }) ? nil : mask.map { $0 != 0 ? 0 : -10000 }
    }

    /// Per-layer cross-attention memory: the keys and values of each layer, in memory order.
    public typealias CrossMemory = [[KeyValueBlock]]

    /// Runs the stack.
    ///
    /// - Parameters:
    ///   - ids: token ids (each must be below the vocabulary size; callers check).
    ///   - mask: attention mask (1 = token, 0 = padding); nil when every token is real.
    ///   - causal: decoder-style causal self-attention.
    ///   - cross: keys and values of the memory per layer, nil for text-only mode.
    ///   - crossMask: mask over memory rows, nil for none.
    ///   - recordCrossAttention: collect each layer's cross-attention probabilities `[heads, tokens, rows]`.
    public func forward(ids: [Int], mask: [Int]? = nil, causal: Bool = false, cross: CrossMemory? = nil,
                        crossMask: [Int]? = nil, recordCrossAttention: Bool = false) -> (hidden: Tensor, crossAttention: [Tensor]) {
        precondition(ids.count <= config.maxPositions, "sequence of \(ids.count) tokens exceeds \(config.maxPositions) positions")
        var x = embed(ids)
        let selfBias = mask.flatMap(Self.keyBias)
        let crossBias = crossMask.flatMap(Self.keyBias)
        var probabilities: [Tensor] = []
        for (i, layer) in layers.enumerated() {
            let layerCross = cross?[i]
            if recordCrossAttention, let layerCross {
                let rows = layerCross.reduce(0) { $0 + $1.rows }
                var p = Tensor(zeros: [config.heads, ids.count, rows])
                p.data.withUnsafeMutableBufferPointer { pp in
                    _ = layer.forward(&x, heads: config.heads, selfBias: selfBias, causal: causal, cross: layerCross,
                                      crossBias: crossBias, crossProbabilities: pp.baseAddress!)
                }
                probabilities.append(p)
            } else {
                layer.forward(&x, heads: config.heads, selfBias: selfBias, causal: causal, cross: layerCross,
                              crossBias: crossBias, crossProbabilities: nil)
            }
        }
        return (x, probabilities)
    }

    /// Runs several unpadded sequences at once, packed one after another (`[Σ lengths, hidden]`):
    /// each attends to itself only (causally when `causal`), and all share the cross-attention
    /// memory, so every projection is one matrix product for the whole batch.
    ///
    /// With `prefix` (each layer's self-attention keys and values of a shared first part, from
    /// ``forwardCaching(ids:cross:crossMask:)``), every sequence continues that prefix: its
    /// positions start after it and it attends to it.
    public func forwardPacked(_ sequences: [[Int]], causal: Bool, cross: CrossMemory?, crossMask: [Int]? = nil,
                              prefix: [KeyValueBlock]? = nil) -> (hidden: Tensor, ranges: [Range<Int>]) {
        let out = forwardPackedCaching(sequences, causal: causal, cross: cross, crossMask: crossMask, prefix: prefix)
        return (out.hidden, out.ranges)
    }

    /// ``forwardPacked(_:causal:cross:crossMask:prefix:)`` that also returns each layer's
    /// self-attention keys and values of the packed rows (to extend a cache).
    public func forwardPackedCaching(_ sequences: [[Int]], causal: Bool, cross: CrossMemory?, crossMask: [Int]? = nil,
                                     prefix: [KeyValueBlock]? = nil) -> (hidden: Tensor, ranges: [Range<Int>], keyValues: [KeyValueBlock]) {
        let offset = prefix?.first?.rows ?? 0
        var ranges: [Range<Int>] = []
        var start = 0
        for s in sequences {
            precondition(offset + s.count <= config.maxPositions, "sequence of \(offset + s.count) positions exceeds \(config.maxPositions)")
            ranges.append(start..<(start + s.count)); start += s.count
        }
        // The sequences one after another, each from position `offset`.
        var x = embed(tokens: sequences.flatMap { $0.enumerated().map { (id: $0.element, position: offset + $0.offset) } })
        let crossBias = crossMask.flatMap(Self.keyBias)
        var keyValues: [KeyValueBlock] = []
        for (i, layer) in layers.enumerated() {
            keyValues.append(layer.forward(&x, heads: config.heads, selfBias: nil, causal: causal, cross: cross?[i], crossBias: crossBias,
                                           crossProbabilities: nil, packed: ranges, prefix: prefix?[i]))
        }
        return (x, ranges, keyValues)
    }

    /// Runs one unpadded causal sequence and also returns each layer's self-attention keys and
    /// values, to be continued by ``forwardPacked(_:causal:cross:crossMask:prefix:)``.
    public func forwardCaching(ids: [Int], cross: CrossMemory?, crossMask: [Int]? = nil) -> (hidden: Tensor, cache: [KeyValueBlock]) {
        var x = embed(ids)
        let crossBias = crossMask.flatMap(Self.keyBias)
        var cache: [KeyValueBlock] = []
        for (i, layer) in layers.enumerated() {
            cache.append(layer.forward(&x, heads: config.heads, selfBias: nil, causal: true, cross: cross?[i], crossBias: crossBias,
                                       crossProbabilities: nil))
        }
        return (x, cache)
    }

    /// A causal `prefix` and several sequences that each continue it, in one pass: row `i` of the
    /// result is prefix token `i` for `i < prefix.count`, then the sequences packed one after another
    /// (`ranges`). The same as ``forwardCaching(ids:cross:crossMask:)`` followed by
    /// ``forwardPacked(_:causal:cross:crossMask:prefix:)``, with the prefix's rows sharing every
    /// matrix product with the sequences instead of streaming the weights once more on their own.
    public func forwardSharedPrefix(_ prefix: [Int], _ sequences: [[Int]], cross: CrossMemory?,
                                    crossMask: [Int]? = nil) -> (hidden: Tensor, ranges: [Range<Int>]) {
        let p = prefix.count
        precondition(p > 0)
        var ranges: [Range<Int>] = []
        var start = p
        for s in sequences {
            precondition(p + s.count <= config.maxPositions, "sequence of \(p + s.count) tokens exceeds \(config.maxPositions) positions")
            ranges.append(start..<(start + s.count)); start += s.count
        }
        // The prefix, then every sequence continuing it from position p.
        var x = embed(tokens: prefix.enumerated().map { (id: $0.element, position: $0.offset) }
                      + sequences.flatMap { $0.enumerated().map { (id: $0.element, position: p + $0.offset) } })
        let crossBias = crossMask.flatMap(Self.keyBias)
        for (i, layer) in layers.enumerated() {
            layer.forward(&x, heads: config.heads, selfBias: nil, causal: true, cross: cross?[i], crossBias: crossBias,
                          crossProbabilities: nil, packed: ranges, sharedPrefixRows: p)
        }
        return (x, ranges)
    }

    /// Projects memory rows (`[rows, width]`) into every layer's cross-attention keys and values.
    public func crossKeyValues(_ memory: Tensor) -> [KeyValueBlock] {
        let rows = memory.shape[0]
        return memory.data.withUnsafeBufferPointer { mp in
            layers.map { $0.crossAttention!.keyValues(mp.baseAddress!, rows: rows) }
        }
    }
}
