import Foundation

/// One run of consecutive keys and their values, for attention over keys stored in several places
/// (for example the cached video tokens of a clip followed by the per-question pooled tokens).
public struct KeyValueSegment {
    public let keys: UnsafePointer<Float>
    public let ldk: Int
    public let values: UnsafePointer<Float>
    public let ldv: Int
    public let count: Int

    public init(keys: UnsafePointer<Float>, ldk: Int, values: UnsafePointer<Float>, ldv: Int, count: Int) {
        self.keys = keys
        self.ldk = ldk
        self.values = values
        self.ldv = ldv
        self.count = count
    }
}

/// Scaled dot-product attention over several heads, on strided rows.
///
/// Queries point at the first head of row 0; rows are `ldq` apart and head h starts
/// `h · headDim` further; the same holds for every key/value segment. Output rows are `ldo`
/// apart, heads side by side.
public enum Attention {
    /// Computes softmax(q kᵀ / √d + bias) v for every head, keys being the concatenation of `segments`.
    ///
    /// - Parameters:
    ///   - keyBias: optional additive bias per key (length = all keys), e.g. −10000 on padding.
    ///   - causal: query i only sees keys 0...(i + causalOffset) (a shared prefix of `causalOffset`
    ///     keys comes first).
    ///   - scores: scratch of at least `lq · (all keys)` floats.
    ///   - probabilities: when given, receives every head's probabilities as `[heads, lq, keys]`.
    public static func multiHead(q: UnsafePointer<Float>, ldq: Int, segments: [KeyValueSegment], lq: Int,
                                 heads: Int, headDim: Int,
                                 keyBias: UnsafePointer<Float>? = nil, causal: Bool = false, causalOffset: Int = 0,
                                 out: UnsafeMutablePointer<Float>, ldo: Int,
                                 scores: UnsafeMutablePointer<Float>,
                                 probabilities: UnsafeMutablePointer<Float>? = nil) {
        let scale = 1 / Float(headDim).squareRoot()
        let lk = segments.reduce(0) { $0 + $1.count }
        if lq * lk <= 256 && probabilities == nil {
            // Tiny problems (packed answer candidates, short questions): BLAS call overhead would
            // dominate, so compute directly.
            small(q: q, ldq: ldq, segments: segments, lq: lq, heads: heads, headDim: headDim, scale: scale,
                  keyBias: keyBias, causal: causal, causalOffset: causalOffset, out: out, ldo: ldo, scores: scores)
            return
        }
        for h in 0..<heads {
            let off = h * headDim
            var col = 0
            for s in segments {
                BLAS.sgemm(m: lq, n: s.count, k: headDim, alpha: scale, a: q + off, lda: ldq, b: s.keys + off, ldb: s.ldk,
                           transposeB: true, c: scores + col, ldc: lk)
                col += s.count
            }
            if let keyBias {
                for i in 0..<lq {
                    let row = scores + i * lk
                    for j in 0..<lk { row[j] += keyBias[j] }
                }
            }
            if causal {
                for i in 0..<lq {
                    let row = scores + i * lk
                    var j = i + 1 + causalOffset
                    while j < lk { row[j] = -Float.infinity; j += 1 }
                }
            }
            Kernels.softmaxRows(scores, rows: lq, cols: lk)
            if let probabilities {
                (probabilities + h * lq * lk).update(from: scores, count: lq * lk)
            }
            col = 0
            for (n, s) in segments.enumerated() {
                BLAS.sgemm(m: lq, n: headDim, k: s.count, a: scores + col, lda: lk, b: s.values + off, ldb: s.ldv,
                           transposeB: false, beta: n == 0 ? 0 : 1, c: out + off, ldc: ldo)
                col += s.count
            }
        }
    }

    /// Attention computed with plain loops, for a handful of queries and keys.
    static func small(q: UnsafePointer<Float>, ldq: Int, segments: [KeyValueSegment], lq: Int, heads: Int, headDim: Int,
                      scale: Float, keyBias: UnsafePointer<Float>?, causal: Bool, causalOffset: Int,
                      out: UnsafeMutablePointer<Float>, ldo: Int, scores: UnsafeMutablePointer<Float>) {
        let lk = segments.reduce(0) { $0 + $1.count }
        // Key j's rows, over the concatenated segments.
        var keys: [UnsafePointer<Float>] = [], values: [UnsafePointer<Float>] = []
        keys.reserveCapacity(lk); values.reserveCapacity(lk)
        for s in segments {
            for r in 0..<s.count { keys.append(s.keys + r * s.ldk); values.append(s.values + r * s.ldv) }
        }
        for h in 0..<heads {
            let off = h * headDim
            for i in 0..<lq {
                let qi = q + i * ldq + off
                let row = scores + i * lk
                let visible = causal ? min(i + 1 + causalOffset, lk) : lk
                var m = -Float.infinity
                for j in 0..<visible {
                    var v = Kernels.dot(qi, keys[j] + off, count: headDim) * scale
                    if let keyBias { v += keyBias[j] }
                    row[j] = v
                    if v > m { m = v }
                }
                var sum: Float = 0
                for j in 0..<visible { let e = expf(row[j] - m); row[j] = e; sum += e }
                let inv = 1 / sum
                let o = out + i * ldo + off
                for e in 0..<headDim { o[e] = 0 }
                for j in 0..<visible {
                    let w = row[j] * inv
                    let v = values[j] + off
                    for e in 0..<headDim { o[e] += w * v[e] }
                }
            }
        }
    }

    /// Attention with keys and values in one place each.
    public static func multiHead(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                                 v: UnsafePointer<Float>, ldv: Int, lq: Int, lk: Int, heads: Int, headDim: Int,
                                 keyBias: UnsafePointer<Float>? = nil, causal: Bool = false,
                                 out: UnsafeMutablePointer<Float>, ldo: Int,
                                 scores: UnsafeMutablePointer<Float>,
                                 probabilities: UnsafeMutablePointer<Float>? = nil) {
        multiHead(q: q, ldq: ldq, segments: [KeyValueSegment(keys: k, ldk: ldk, values: v, ldv: ldv, count: lk)], lq: lq,
                  heads: heads, headDim: headDim, keyBias: keyBias, causal: causal, out: out, ldo: ldo,
                  scores: scores, probabilities: probabilities)
    }

    /// Attention along time: for every token position j of `positions`, the `frames` tokens at j
    /// attend to each other. `qkv` is `[frames, positions, 3·width]` (q | k | v); `out` receives
    /// `[frames, positions, width]`.
    public static func temporal(qkv: UnsafePointer<Float>, frames: Int, positions: Int, width: Int, heads: Int,
                                out: UnsafeMutablePointer<Float>) {
        let headDim = width / heads
        let scale = 1 / Float(headDim).squareRoot()
        let rowStride = 3 * width
        let frameStride = positions * rowStride
        // Positions are independent: chunks of them run on every core (same arithmetic per position
        // as one loop, so the result does not depend on the split).
        let chunks = positions * heads * frames * frames * headDim >= 1 << 18 ? min(positions, 4 * max(1, BLAS.threads)) : 1
        nonisolated(unsafe) let src = qkv, dst = out
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var p = [Float](repeating: 0, count: frames)
            p.withUnsafeMutableBufferPointer { pb in
                let probs = pb.baseAddress!
                for j in (positions * c / chunks)..<(positions * (c + 1) / chunks) {
                    for h in 0..<heads {
                        let base = src + j * rowStride + h * headDim
                        for t1 in 0..<frames {
                            let q = base + t1 * frameStride
                            var m = -Float.infinity
                            for t2 in 0..<frames {
                                let s = Kernels.dot(q, base + t2 * frameStride + width, count: headDim) * scale
                                probs[t2] = s
                                if s > m { m = s }
                            }
                            var sum: Float = 0
                            for t2 in 0..<frames { let e = expf(probs[t2] - m); probs[t2] = e; sum += e }
                            let inv = 1 / sum
                            let o = dst + (t1 * positions + j) * width + h * headDim
                            for e in 0..<headDim { o[e] = 0 }
                            for t2 in 0..<frames {
                                let w = probs[t2] * inv
                                let v = base + t2 * frameStride + 2 * width
                                for e in 0..<headDim { o[e] += w * v[e] }
                            }
                        }
                    }
                }
            }
        }
    }
}
