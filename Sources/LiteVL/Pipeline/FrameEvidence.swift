import Foundation

/// How much one sampled frame mattered for an answer ("where is the answer").
public struct FrameEvidence: Sendable, Equatable {
    /// The frame index, 0 ..< T.
    public var frame: Int
    /// a_t of text-dependent pooling for the question (nil without pooling).
    public var poolingWeight: Float?
    /// The share of the text encoder's cross-attention (last layer, averaged over heads and
    /// question tokens) that lands on this frame's patch tokens, normalised to sum to 1 over the
    /// frames (nil when no attention maps were recorded).
    public var attention: Float?

    public init(frame: Int, poolingWeight: Float?, attention: Float?) {
        self.frame = frame; self.poolingWeight = poolingWeight; self.attention = attention
    }

    /// Frames ranked most relevant first: by pooling weight, then by attention share, then by
    /// index. Empty when neither is known.
    public static func rank(poolingWeights: [Float]?, attentionMaps: [[[Float]]]) -> [FrameEvidence] {
        let attention = attentionShares(attentionMaps)
        let frames = max(poolingWeights?.count ?? 0, attention?.count ?? 0)
        let all = (0..<frames).map { t in
            FrameEvidence(frame: t, poolingWeight: poolingWeights.flatMap { t < $0.count ? $0[t] : nil },
                          attention: attention.flatMap { t < $0.count ? $0[t] : nil })
        }
        return all.sorted { a, b in
            if let pa = a.poolingWeight, let pb = b.poolingWeight, pa != pb { return pa > pb }
            if let aa = a.attention, let ab = b.attention, aa != ab { return aa > ab }
            return a.frame < b.frame
        }
    }

    /// Per frame, the last layer's attention mass on its patches, normalised over frames.
    static func attentionShares(_ maps: [[[Float]]]) -> [Float]? {
        guard let last = maps.last, !last.isEmpty else { return nil }
        let mass = last.map { $0.reduce(0, +) }
        let total = mass.reduce(0, +)
        guard total > 0 else { return nil }
        return mass.map { $0 / total }
    }
}

extension VideoQuestionAnswerer.Result {
    /// The sampled frames ranked by how much they mattered for this answer (``FrameEvidence``).
    public var frameEvidence: [FrameEvidence] {
        FrameEvidence.rank(poolingWeights: temporalWeights, attentionMaps: attentionMaps)
    }
}
