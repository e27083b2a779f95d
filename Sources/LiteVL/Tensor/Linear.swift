/// A fully connected layer y = x · Wᵀ + b with PyTorch's [out, in] weight layout.
public struct Linear: Sendable {
    public let weight: WeightTensor
    public let bias: WeightTensor?

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public init(weight: WeightTensor, bias: WeightTensor?) {
        self.weight = weight
        self.bias = bias
    }

    /// Applies the layer to `rows` rows of `x` (row stride `ldx`), writing rows of `outFeatures` to `out`.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil, into out: UnsafeMutablePointer<Float>, ldo: Int? = nil) {
        let ldo = ldo ?? outFeatures
        BLAS.sgemm(m: rows, n: outFeatures, k: inFeatures, a: x, lda: ldx ?? inFeatures,
                   b: weight.pointer, ldb: inFeatures, transposeB: true, c: out, ldc: ldo)
        if let bias {
            for r in 0..<rows {
                let row = out + r * ldo
                for i in 0..<outFeatures { row[i] += bias.pointer[i] }
            }
        }
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
