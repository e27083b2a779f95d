import CKernels
import Dispatch

/// bfloat16 matrix products with float32 accumulation, on CPUs with AVX512_BF16 (`vdpbf16ps`).
///
/// Weights are packed once (``PackedWeight``, half the bytes of float32); each product converts
/// its input rows to bfloat16 (round to nearest even), multiplies in bfloat16 and accumulates
/// in float32. Products are split by output columns over ``BLAS/threads`` threads.
///
/// Off x86-64, on CPUs without AVX512_BF16, or with `LITEVL_NO_BF16=1` in the environment at
/// start-up, ``isSupported`` is false and nothing here may be called but ``isSupported``.
public enum BF16 {
    /// Whether this CPU (and OS) can run the bfloat16 kernels and `LITEVL_NO_BF16` does not forbid them.
    public static let isSupported: Bool = litevl_bf16_supported() != 0

    /// Output columns per packed panel: a column range given to ``gemm(_:rows:ldx:weight:bias:columns:into:ldo:)``
    /// must start at a multiple of this.
    public static let panelWidth = Int(LITEVL_BF16_NR)

    /// The bfloat16 value nearest to `x` (ties to even; denormals to zero), as the kernels round it.
    public static func round(_ x: Float) -> Float {
        Float(bitPattern: UInt32(litevl_bf16_from_float(x)) << 16)
    }

    /// A weight matrix in PyTorch's `[out, in]` layout, converted to bfloat16 and packed for the kernel.
    public final class PackedWeight: @unchecked Sendable {
        public let outFeatures: Int
        public let inFeatures: Int
        /// The packed elements (immutable after init, so shared freely between threads).
        let pointer: UnsafeMutablePointer<UInt16>

        /// Packs `weight` (`[outFeatures, inFeatures]` float32, row-major). Requires ``BF16/isSupported``.
        public init(_ weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int) {
            precondition(BF16.isSupported, "bfloat16 kernels are not supported on this CPU")
            precondition(outFeatures >= 1 && inFeatures >= 1 && outFeatures <= Int(Int32.max) && inFeatures <= Int(Int32.max))
            self.outFeatures = outFeatures
            self.inFeatures = inFeatures
            let size = litevl_bf16_packed_size(Int32(outFeatures), Int32(inFeatures))
            pointer = .allocate(capacity: size)
            litevl_bf16_pack_weights(weight, Int32(outFeatures), Int32(inFeatures), pointer)
        }

        /// Bytes held by the packed weight.
        public var bytes: Int { litevl_bf16_packed_size(Int32(outFeatures), Int32(inFeatures)) * 2 }

        deinit { pointer.deallocate() }
    }

    /// out[r, j] = Σₖ x[r, k] · W[j, k] (+ bias[j]) for `rows` rows of `x` (row stride `ldx`) and
    /// the output columns `columns` (default all; the range must start at a multiple of ``panelWidth``).
    /// Nothing outside those rows and columns of `out` (row stride `ldo`) is written.
    ///
    /// The work is shared out between the threads (``BLAS/threads``) in a few chunks per thread, so
    /// a thread the scheduler delays does not hold up the others: blocks of rows when there are
    /// many (each chunk converts its own rows to bfloat16 and streams the whole weight from the
    /// shared cache), blocks of column panels when there are few (the rows are converted once,
    /// and each weight panel is read by one thread only).
    public static func gemm(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, weight: PackedWeight, bias: UnsafePointer<Float>?,
                            columns: Range<Int>? = nil, into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard rows > 0 else { return }
        let k = weight.inFeatures, n = weight.outFeatures
        let cols = columns ?? 0..<n
        precondition(cols.lowerBound % panelWidth == 0 && cols.upperBound <= n, "column range must start at a panel boundary")
        guard !cols.isEmpty else { return }
        let converted = UnsafeMutablePointer<UInt16>.allocate(capacity: litevl_bf16_rows_size(Int32(rows), Int32(k)))
        defer { converted.deallocate() }
        let chunks = chunkCount(rows: rows, k: k, columns: cols.count)
        nonisolated(unsafe) let a = converted, w = UnsafePointer(weight.pointer), o = out, b = bias, input = x
        if chunks > 1 && rows >= rowBlock * chunks {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let r0 = rows * c / chunks / rowBlock * rowBlock, r1 = c == chunks - 1 ? rows : rows * (c + 1) / chunks / rowBlock * rowBlock
                let part = a + litevl_bf16_rows_size(Int32(r0), Int32(k))
                litevl_bf16_pack_rows(Int32(r1 - r0), Int32(k), input + r0 * ldx, Int32(ldx), part)
                litevl_bf16_gemm_rows(Int32(r1 - r0), Int32(k), part, w, Int32(n), Int32(cols.lowerBound), Int32(cols.upperBound),
                                      b, o + r0 * ldo, Int32(ldo))
            }
            return
        }
        litevl_bf16_pack_rows(Int32(rows), Int32(k), x, Int32(ldx), converted)
        if chunks <= 1 {
            litevl_bf16_gemm_rows(Int32(rows), Int32(k), converted, w, Int32(n), Int32(cols.lowerBound),
                                  Int32(cols.upperBound), bias, out, Int32(ldo))
            return
        }
        let panels = (cols.count + panelWidth - 1) / panelWidth
        let columnChunks = min(chunks, panels)
        DispatchQueue.concurrentPerform(iterations: columnChunks) { c in
            let p0 = panels * c / columnChunks, p1 = panels * (c + 1) / columnChunks
            guard p1 > p0 else { return }
            let c0 = cols.lowerBound + p0 * panelWidth, c1 = min(cols.lowerBound + p1 * panelWidth, cols.upperBound)
            litevl_bf16_gemm_rows(Int32(rows), Int32(k), a, w, Int32(n), Int32(c0), Int32(c1), b, o, Int32(ldo))
        }
    }

    /// Rows per microkernel pass (the kernel's MR): row chunks start at multiples of it.
    static let rowBlock = 14

    /// How many chunks a product is split into: one when it is too small to be worth a
    /// fork-join (about 0.1 ms of work), otherwise four per thread.
    static func chunkCount(rows: Int, k: Int, columns: Int) -> Int {
        let threads = max(1, BLAS.threads)
        guard threads > 1, rows * k * columns >= 1 << 21 else { return 1 }
        return threads * 4
    }
}
