import Foundation

/// Element-wise and row-wise kernels on contiguous float32 memory.
///
/// Written for speed: no allocation inside loops, contiguous access, SIMD where it pays.
public enum Kernels {
    /// In-place LayerNorm over rows of `cols` elements: (x - mean) / sqrt(var + eps) · gamma + beta,
    /// with the biased variance, as PyTorch computes it.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        for r in 0..<rows {
            let row = x + r * cols
            var mean: Float = 0
            for i in 0..<cols { mean += row[i] }
            mean /= Float(cols)
            var variance: Float = 0
            for i in 0..<cols { let d = row[i] - mean; variance += d * d }
            variance /= Float(cols)
            let inv = 1 / (variance + eps).squareRoot()
            for i in 0..<cols { row[i] = (row[i] - mean) * inv * gamma[i] + beta[i] }
        }
    }

    /// LayerNorm from `src` into `dst` (rows of `cols`).
    public static func layerNorm(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        dst.update(from: src, count: rows * cols)
        layerNorm(dst, rows: rows, cols: cols, gamma: gamma, beta: beta, eps: eps)
    }

    /// In-place exact GELU: 0.5 · x · (1 + erf(x / √2)).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2: Float = 0.70710678118654752440
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * invSqrt2))
        }
    }

    /// In-place softmax over each row of `cols` elements.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var m = -Float.infinity
            for i in 0..<cols where row[i] > m { m = row[i] }
            var sum: Float = 0
            for i in 0..<cols { let e = expf(row[i] - m); row[i] = e; sum += e }
            let inv = 1 / sum
            for i in 0..<cols { row[i] *= inv }
        }
    }

    /// Adds `bias` (length `cols`) to every row.
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for i in 0..<cols { row[i] += bias[i] }
        }
    }

    /// x += scale · y over `count` elements.
    public static func axpy(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int, scale: Float = 1) {
        if scale == 1 {
            for i in 0..<count { x[i] += y[i] }
        } else {
            for i in 0..<count { x[i] += scale * y[i] }
        }
    }

    /// The dot product of two vectors.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < count { s0 += a[i] * b[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Scales `x` to unit L2 norm (PyTorch's F.normalize, eps 1e-12).
    public static func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var s: Float = 0
        for i in 0..<count { s += x[i] * x[i] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for i in 0..<count { x[i] *= inv }
    }
}
