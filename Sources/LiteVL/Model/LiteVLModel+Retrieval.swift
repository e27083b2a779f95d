import Foundation

/// A text-to-video ITC score with LiteVL's text-dependent temporal pooling, and the pooling
/// weights that produced it.
public struct PooledSimilarity: Sendable, Equatable {
    /// `f · q`, in [-1, 1].
    public var score: Float
    /// a_t = softmax_t(u_t · q / tau): how much each frame contributes (sums to 1).
    public var frameWeights: [Float]

    /// The frame with the largest weight (the best-matching frame).
    public var bestFrame: Int {
        frameWeights.indices.max { frameWeights[$0] < frameWeights[$1] } ?? 0
    }
}

extension LiteVLModel {
    /// u_t = normalize(vision_proj(V[t, 0])) for every frame: `[frames, embedDim]`, the frame
    /// class-token features text-to-video retrieval compares with a text (docs/retrieval.md).
    public func frameEmbeddings(_ video: EncodedVideo) -> Tensor {
        // `projected` already holds normalize(vision_proj(V)) for every token; row 0 of each frame.
        let frames = video.projected.shape[0], positions = video.projected.shape[1], e = video.projected.shape[2]
        var out = Tensor(zeros: [frames, e])
        for t in 0..<frames {
            out.data.replaceSubrange(t * e..<(t + 1) * e, with: video.projected.data[(t * positions * e)..<(t * positions * e + e)])
        }
        return out
    }

    /// LiteVL's retrieval score (the reference's `LiteVL.pooled_similarity`):
    /// `a = softmax_t(u_t · q / tau)`, `f = normalize(Σ_t a_t u_t)`, `score = f · q`, with u the
    /// frame embeddings (``frameEmbeddings(_:)``, `[frames, embedDim]`) and q the text feature
    /// (``textFeature(ids:mask:)``, unit norm). tau is `pooling.tau` of the config.
    public func pooledSimilarity(frameEmbeddings u: Tensor, text q: [Float]) -> PooledSimilarity {
        Self.pooledSimilarity(frameEmbeddings: u, text: q, tau: config.pooling.tau)
    }

    /// ``pooledSimilarity(frameEmbeddings:text:)`` with an explicit temperature.
    public static func pooledSimilarity(frameEmbeddings u: Tensor, text q: [Float], tau: Float) -> PooledSimilarity {
        let frames = u.shape[0], e = u.shape[1]
        precondition(q.count == e, "text feature has \(q.count) values, frame embeddings \(e)")
        var a = [Float](repeating: 0, count: frames)
        var f = [Float](repeating: 0, count: e)
        u.data.withUnsafeBufferPointer { up in
            q.withUnsafeBufferPointer { qp in
                for t in 0..<frames { a[t] = Kernels.dot(up.baseAddress! + t * e, qp.baseAddress!, count: e) / tau }
            }
            a.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 1, cols: frames) }
            f.withUnsafeMutableBufferPointer { fp in
                for t in 0..<frames { Kernels.axpy(fp.baseAddress!, up.baseAddress! + t * e, count: e, scale: a[t]) }
                Kernels.normalize(fp.baseAddress!, count: e)
            }
        }
        let score = f.withUnsafeBufferPointer { fp in q.withUnsafeBufferPointer { Kernels.dot(fp.baseAddress!, $0.baseAddress!, count: e) } }
        return PooledSimilarity(score: score, frameWeights: a)
    }

    /// P(match) of the ITM head for a text and a clip: `softmax(itm_head(h[0]))[1]`, h the
    /// multimodal text-encoder output of `multimodalIDs` (`[ENC] …`) cross-attending the clip's
    /// memory built for this text (pooled with its text feature q, ``textFeature(ids:mask:)`` of
    /// `[CLS] …`, when pooling is on), exactly as the reference's `itm_logits`. nil when the model
    /// has no ITM head.
    public func matchProbability(_ video: EncodedVideo, textFeature q: [Float], multimodalIDs: [Int]) -> Float? {
        guard itmHead != nil else { return nil }
        let pooling = config.pooling.enabled ? pool(video, question: q) : nil
        let states = encodeQuestion(ids: multimodalIDs, memory: memory(video, pooling: pooling)).states
        guard let logits = itmLogits(questionStates: states), logits.count == 2 else { return nil }
        let m = max(logits[0], logits[1])
        let e0 = exp(Double(logits[0] - m)), e1 = exp(Double(logits[1] - m))
        return Float(e1 / (e0 + e1))
    }
}
