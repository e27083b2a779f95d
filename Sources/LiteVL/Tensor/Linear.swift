import Dispatch

/// A fully connected layer y = x · Wᵀ + b with PyTorch's [out, in] weight layout.
///
/// With a ``packed`` bfloat16 copy of the weight (``packedBF16()``), products run in bfloat16
/// with float32 accumulation (``BF16``) for every row count; otherwise in float32 sgemm.
public struct Linear: Sendable {
    public let weight: WeightTensor
    public let bias: WeightTensor?
    /// The weight converted to bfloat16 and packed for ``BF16/gemm(_:rows:ldx:weight:bias:columns:into:ldo:)``,
    /// when the model was loaded in ``WeightPrecision/bfloat16``.
    public let packed: BF16.PackedWeight?

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public init(weight: WeightTensor, bias: WeightTensor?, packed: BF16.PackedWeight? = nil) {
        self.weight = weight
        self.bias = bias
        self.packed = packed
    }

    /// This layer with its weight packed in bfloat16 (requires ``BF16/isSupported``).
    public func packedBF16() -> Linear {
        Linear(weight: weight, bias: bias, packed: BF16.PackedWeight(weight.pointer, outFeatures: outFeatures, inFeatures: inFeatures))
    }

    /// Applies the layer to `rows` rows of `x` (row stride `ldx`), writing rows of `outFeatures` to `out`.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil, into out: UnsafeMutablePointer<Float>, ldo: Int? = nil) {
        let ldo = ldo ?? outFeatures
        let lda = ldx ?? inFeatures
        if let packed {
            BF16.gemm(x, rows: rows, ldx: lda, weight: packed, bias: bias?.pointer, into: out, ldo: ldo)
            return
        }
        if let chunk = Self.smallChunk(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures) {
            // A few rows (a question's tokens): OpenBLAS's general kernel would pack the whole
            // weight matrix first, which costs as much as the product. Slices of output columns
            // small enough for its unpacked small-matrix kernel read the weights once, and the
            // slices run on all cores.
            let n = outFeatures, k = inFeatures
            nonisolated(unsafe) let a = x, w = weight.pointer, o = out
            DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
                let n0 = c * chunk
                BLAS.sgemm(m: rows, n: min(chunk, n - n0), k: k, a: a, lda: lda, b: w + n0 * k, ldb: k, transposeB: true,
                           c: o + n0, ldc: ldo)
            }
        } else {
            BLAS.sgemm(m: rows, n: outFeatures, k: inFeatures, a: x, lda: lda,
                       b: weight.pointer, ldb: inFeatures, transposeB: true, c: out, ldc: ldo)
        }
        if let bias { Kernels.addBias(out, rows: rows, cols: outFeatures, stride: ldo, bias: bias.pointer) }
    }

    /// The output-column slice width for which OpenBLAS (0.3.21, Skylake-X/Cooperlake kernels) takes
    /// its small-matrix path on `rows` rows — its rule for this layout: rows · columns ≤ 1200,
    /// rows · columns · K ≤ 10⁶, K ≥ 32 — or nil when one ordinary call is better (many rows, one
    /// row, which OpenBLAS already treats as a matrix–vector product, or a small layer).
    static func smallChunk(rows: Int, inFeatures k: Int, outFeatures n: Int) -> Int? {
        guard BLAS.hasSmallMatrixKernel, rows >= 2, rows <= 32, k >= 32, n >= 256 else { return nil }
        let chunk = min(1200 / rows, 1_000_000 / (rows * k)) / 8 * 8
        return chunk >= 16 ? chunk : nil
    }

    /// Applies the layer to a tensor whose last dimension is `inFeatures`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.columns == inFeatures, "Linear expects \(inFeatures) features, got \(x.columns)")
        var out = Tensor(zeros: Array(x.shape.dropLast()) + [outFeatures])
        let rows = x.rows
        x.data.withUnsafeBufferPointer { xp in
            out.data.withUnsafeMutableBufferPointer { op in apply(xp.baseAddress!, rows: rows, into: op.baseAddress!) }
        }
        return out
    }
}

/// A LayerNorm with learned gamma and beta.
public struct LayerNorm: Sendable {
    public let weight: WeightTensor
    public let bias: WeightTensor
    public let eps: Float

    public init(weight: WeightTensor, bias: WeightTensor, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Normalises every row of `x` in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        Kernels.layerNorm(x, rows: rows, cols: weight.count, gamma: weight.pointer, beta: bias.pointer, eps: eps)
    }

    /// Returns the normalised tensor.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        let rows = y.rows
        y.data.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: rows) }
        return y
    }
}
