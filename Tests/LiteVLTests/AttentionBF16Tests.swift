import Foundation
import Testing
@testable import LiteVL

/// Spatial self-attention in bfloat16 (``Attention/groupedBF16(qkv:groups:length:width:heads:out:)``)
/// against the float32 path, and the parallel temporal attention against a single-chunk run.
struct AttentionBF16Tests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(s >> 40) / Float(1 << 24) * 4 - 2
        }
    }

    @Test("bfloat16 grouped attention matches float32 attention within bfloat16 rounding",
          .enabled(if: BF16.isSupported, "this CPU has no AVX512_BF16 (or LITEVL_NO_BF16 is set)"),
          arguments: [(1, 5, 32, 2), (3, 37, 64, 4), (2, 197, 96, 3)])
    func groupedMatchesFloat32(groups: Int, length: Int, width: Int, heads: Int) {
        let qkv = Self.values(groups * length * 3 * width, seed: UInt64(length * 31 + width))
        var want = [Float](repeating: 0, count: groups * length * width), got = want
        var scores = [Float](repeating: 0, count: length * length)
        qkv.withUnsafeBufferPointer { src in
            want.withUnsafeMutableBufferPointer { w in
                scores.withUnsafeMutableBufferPointer { sc in
                    for g in 0..<groups {
                        let q = src.baseAddress! + g * length * 3 * width
                        Attention.multiHead(q: q, ldq: 3 * width, k: q + width, ldk: 3 * width, v: q + 2 * width, ldv: 3 * width,
                                            lq: length, lk: length, heads: heads, headDim: width / heads,
                                            out: w.baseAddress! + g * length * width, ldo: width, scores: sc.baseAddress!)
                    }
                }
            }
            got.withUnsafeMutableBufferPointer { o in
                Attention.groupedBF16(qkv: src.baseAddress!, groups: groups, length: length, width: width, heads: heads,
                                      out: o.baseAddress!)
            }
        }
        // Values are in [-2, 2); bfloat16 keeps 8 significant bits of q, k, p and v.
        let worst = zip(want, got).map { abs($0 - $1) }.max()!
        #expect(worst < 0.05, "largest difference \(worst)")
        #expect(worst > 0, "bfloat16 rounding should show somewhere")
    }

    @Test("temporal attention split over cores equals the one-chunk result bit for bit")
    func temporalIsSplitInvariant() {
        // 8 frames, 50 positions, width 64, 4 heads: large enough to be split.
        let frames = 8, positions = 50, width = 64, heads = 4
        let qkv = Self.values(frames * positions * 3 * width, seed: 7)
        var split = [Float](repeating: 0, count: frames * positions * width)
        qkv.withUnsafeBufferPointer { src in
            split.withUnsafeMutableBufferPointer {
                Attention.temporal(qkv: src.baseAddress!, frames: frames, positions: positions, width: width, heads: heads,
                                   out: $0.baseAddress!)
            }
        }
        // Position by position, each as its own one-position problem.
        for j in [0, 1, 24, 49] {
            var sub = [Float](repeating: 0, count: frames * 3 * width)
            for t in 0..<frames {
                for e in 0..<(3 * width) { sub[t * 3 * width + e] = qkv[(t * positions + j) * 3 * width + e] }
            }
            var one = [Float](repeating: 0, count: frames * width)
            sub.withUnsafeBufferPointer { src in
                one.withUnsafeMutableBufferPointer {
                    Attention.temporal(qkv: src.baseAddress!, frames: frames, positions: 1, width: width, heads: heads,
                                       out: $0.baseAddress!)
                }
            }
            for t in 0..<frames {
                #expect(Array(split[((t * positions + j) * width)..<((t * positions + j + 1) * width)]) ==
                        Array(one[(t * width)..<((t + 1) * width)]), "position \(j) frame \(t)")
            }
        }
    }
}
