import CKernels
import Dispatch

extension Attention {
    /// Self-attention of `groups` independent sequences (the frames of a clip) in bfloat16 with
    /// float32 accumulation, for models loaded in ``WeightPrecision/bfloat16``.
    ///
    /// `qkv` is `[groups, length, 3·width]` (q | k | v, heads side by side); `out` receives
    /// `[groups, length, width]`. Each (group, head) pair is one task — q·kᵀ and p·v through the
    /// bfloat16 kernel on one core, softmax in float32 — and the tasks are spread over the cores:
    /// the float32 path's 2 × groups × heads small multithreaded sgemm calls per block spend more
    /// time synchronising threads than multiplying.
    public static func groupedBF16(qkv: UnsafePointer<Float>, groups: Int, length: Int, width: Int, heads: Int,
                                   out: UnsafeMutablePointer<Float>) {
        let d = width / heads, n = length
        let scale = 1 / Float(d).squareRoot()
        let tasks = groups * heads
        let chunks = min(tasks, 4 * max(1, BLAS.threads))
        nonisolated(unsafe) let src = qkv, dst = out
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            // Scratch for one task at a time.
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
            let valuesT = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
            let packedK = UnsafeMutablePointer<UInt16>.allocate(capacity: litevl_bf16_packed_size(Int32(n), Int32(d)))
            let packedV = UnsafeMutablePointer<UInt16>.allocate(capacity: litevl_bf16_packed_size(Int32(d), Int32(n)))
            let rowsQ = UnsafeMutablePointer<UInt16>.allocate(capacity: litevl_bf16_rows_size(Int32(n), Int32(d)))
            let rowsP = UnsafeMutablePointer<UInt16>.allocate(capacity: litevl_bf16_rows_size(Int32(n), Int32(n)))
            defer {
                keys.deallocate(); valuesT.deallocate(); scores.deallocate()
                packedK.deallocate(); packedV.deallocate(); rowsQ.deallocate(); rowsP.deallocate()
            }
            for task in (tasks * c / chunks)..<(tasks * (c + 1) / chunks) {
                let g = task / heads, h = task % heads
                let base = src + g * n * 3 * width + h * d
                // kᵀ as an [n, d] "weight" (scaled by 1/√d), vᵀ as a [d, n] one.
                for j in 0..<n {
                    let k = base + j * 3 * width + width, v = base + j * 3 * width + 2 * width
                    for e in 0..<d {
                        keys[j * d + e] = k[e] * scale
                        valuesT[e * n + j] = v[e]
                    }
                }
                litevl_bf16_pack_weights(keys, Int32(n), Int32(d), packedK)
                litevl_bf16_pack_weights(valuesT, Int32(d), Int32(n), packedV)
                litevl_bf16_pack_rows(Int32(n), Int32(d), base, Int32(3 * width), rowsQ)
                litevl_bf16_gemm_rows(Int32(n), Int32(d), rowsQ, packedK, Int32(n), 0, Int32(n), nil, scores, Int32(n))
                Kernels.softmaxRows(scores, rows: n, cols: n)
                litevl_bf16_pack_rows(Int32(n), Int32(n), scores, Int32(n), rowsP)
                litevl_bf16_gemm_rows(Int32(n), Int32(n), rowsP, packedV, Int32(d), 0, Int32(d), nil,
                                      dst + g * n * width + h * d, Int32(width))
            }
        }
    }
}
