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

    /// In-place GELU, 0.5 · x · (1 + erf(x / √2)) (PyTorch's exact form; erf to 1.5e-7).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: VectorMath.gelu(v), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for j in i..<count { tail[j - i] = x[j] }
            let g = VectorMath.gelu(tail)
            for j in i..<count { x[j] = g[j - i] }
        }
    }

    /// In-place softmax over each row of `cols` elements.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        let raw = UnsafeMutableRawPointer(x)
        for r in 0..<rows {
            let row = x + r * cols
            var m = -Float.infinity
            for i in 0..<cols where row[i] > m { m = row[i] }
            if m == -.infinity { m = 0 }
            let mv = SIMD8<Float>(repeating: m)
            var sums = SIMD8<Float>(repeating: 0)
            var i = 0
            let base = r * cols * 4
            while i + 8 <= cols {
                let e = VectorMath.exp(raw.loadUnaligned(fromByteOffset: base + i * 4, as: SIMD8<Float>.self) - mv)
                raw.storeBytes(of: e, toByteOffset: base + i * 4, as: SIMD8<Float>.self)
                sums += e
                i += 8
            }
            var sum = sums.sum()
            while i < cols { let e = expf(row[i] - m); row[i] = e; sum += e; i += 1 }
            let inv = 1 / sum
            for j in 0..<cols { row[j] *= inv }
        }
    }

    /// Adds `bias` (length `cols`) to every row; rows start `stride` floats apart.
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * stride
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

    /// Widens `count` little-endian IEEE half-precision values at `src` (any alignment) to float32,
    /// exactly: the exponent and mantissa bits shifted into place and rescaled by 2¹¹² (which also
    /// normalises subnormals), infinities and NaNs mapped separately. Runs in vector registers —
    /// `Float(Float16)` is a library call per element on x86-64 without F16C (4.5 ns; 50 ms for the
    /// bundled tiny model's weights).
    public static func widenHalf(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
        // Plain integer and float operations without branches or comparisons, so that LLVM
        // vectorises the loop (SIMD8 conversions and masks compile to per-lane code).
        for i in 0..<count {
            let h = UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            let em = h & 0x7fff
            let sign = (h & 0x8000) << 16
            let special = 0 &- ((em &+ 0x400) >> 15)          // all ones for ∞ and NaN (em ≥ 0x7c00)
            let scaled = (Float(bitPattern: em << 13) * 0x1p112).bitPattern
            out[i] = Float(bitPattern: (scaled & ~special) | (((em << 13) | 0x7f80_0000) & special) | sign)
        }
    }

    /// Widens `count` little-endian bfloat16 values at `src` (any alignment) to float32.
    public static func widenBFloat16(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
        }
    }

    /// Scales `x` to unit L2 norm (PyTorch's F.normalize, eps 1e-12).
    public static func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var s: Float = 0
        for i in 0..<count { s += x[i] * x[i] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for i in 0..<count { x[i] *= inv }
    }
}
