/// How ``FrameSampler`` reaches its targets: seek before each, or decode straight through.
public enum SamplingStrategy: String, Codable, Sendable, CaseIterable {
    /// Choose per target by estimated cost (the default).
    case auto
    /// Seek to the keyframe before every target.
    case seekEach = "seek"
    /// Never seek: one forward pass from the start.
    case forward
}

/// Which instants to sample and, for each, whether to seek first or keep decoding forward.
///
/// Pure arithmetic on times and keyframe positions, so it can be tested without any file.
///
/// **Sampling rule.** The clip `[start, start + duration)` is cut into `count` equal segments and
/// the target of segment `i` is its middle, `start + (i + 0.5) · duration / count`. The frame
/// returned for a target is the one on screen at that instant: the last frame whose presentation
/// time is ≤ the target (the first frame when the target precedes it).
///
/// **Seek or decode forward.** Reaching target `t` from the current position `p` by decoding
/// forward costs about `(t − p) · fps` frames. Seeking costs `seekCostFrames` plus the frames from
/// the keyframe `k` before `t` to `t`. When `k ≤ p` a seek cannot skip anything and is never
/// chosen; otherwise the cheaper option wins. So a file with one keyframe, or with targets close
/// together, is read in one forward pass, and a long clip with regular keyframes is read only
/// around its targets.
public struct SamplingPlan: Equatable, Sendable {
    /// Target presentation times in seconds, ascending.
    public var targets: [Double]
    /// `seekBefore[i]`: seek before decoding towards `targets[i]`.
    public var seekBefore: [Bool]

    /// The middles of `count` equal segments of `[start, start + duration)`.
    public static func uniformTargets(count: Int, start: Double, duration: Double) -> [Double] {
        guard count > 0 else { return [] }
        let d = max(duration, 0)
        return (0..<count).map { start + (Double($0) + 0.5) * d / Double(count) }
    }

    /// Decides seek-or-forward for each target.
    ///
    /// - Parameters:
    ///   - targets: ascending target times in seconds.
    ///   - start: where decoding begins when nothing has been decoded yet (the clip start).
    ///   - keyframes: ascending keyframe times from the container index, or nil when unknown.
    ///   - frameRate: average frames per second, to turn seconds into frames.
    ///   - strategy: `.auto` decides by cost; the others force one behaviour.
    ///   - seekCostFrames: what one seek (flush, reposition, refill) costs, in decoded frames.
    ///   - seekMargin: seconds the seek position is put before the target (B-frame reordering).
    ///   - assumedKeyframeInterval: for files without an index, how far before the target a seek
    ///     is assumed to land.
    public static func make(targets: [Double], start: Double, keyframes: [Double]?, frameRate: Double,
                            strategy: SamplingStrategy = .auto, seekCostFrames: Double = 3,
                            seekMargin: Double = 0, assumedKeyframeInterval: Double = 2) -> SamplingPlan {
        let fps = frameRate.isFinite && frameRate > 0 ? frameRate : 25
        var seek: [Bool] = []
        var position = start
        for t in targets {
            let decision: Bool
            switch strategy {
            case .forward:
                decision = false
            case .seekEach:
                decision = true
            case .auto:
                let landing = keyframeBefore(t - seekMargin, keyframes: keyframes, start: start,
                                             assumedInterval: assumedKeyframeInterval)
                if landing <= position + 1e-9 {
                    decision = false
                } else {
                    let forwardCost = (t - position) * fps
                    let seekCost = seekCostFrames + (t - landing) * fps
                    decision = seekCost < forwardCost
                }
            }
            seek.append(decision)
            position = max(position, t)
        }
        return SamplingPlan(targets: targets, seekBefore: seek)
    }

    /// The last keyframe at or before `time`; with no index, `time − assumedInterval` (not before `start`).
    static func keyframeBefore(_ time: Double, keyframes: [Double]?, start: Double, assumedInterval: Double) -> Double {
        guard let keyframes, !keyframes.isEmpty else { return max(start, time - assumedInterval) }
        // Binary search for the last keyframe <= time.
        var lo = 0, hi = keyframes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keyframes[mid] <= time + 1e-9 { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? min(start, keyframes[0]) : keyframes[lo - 1]
    }
}
