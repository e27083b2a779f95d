import Foundation
import Testing
@testable import LiteVL

@Suite("Kernels against libm and naive loops")
struct KernelTests {
    @Test("vectorised exp is within 2 ulp-ish of expf over the softmax range")
    func exp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let v = VectorMath.exp(SIMD8<Float>(repeating: x))[0]
            let e = expf(x)
            worst = max(worst, abs(v - e) / e)
            x += 0.0137
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
    }

    @Test("GELU matches 0.5·x·(1 + erf(x/√2)) to 1e-6 · max(1, |x|)", arguments: [Float(-12), -3, -0.5, 0, 0.5, 3, 12])
    func gelu(_ center: Float) {
        var values = (0..<1001).map { center + Float($0 - 500) * 0.003 }
        let expected: [Float] = values.map { v in 0.5 * v * (1 + erff(v / Float(2).squareRoot())) }
        values.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }  // 1001: a ragged tail too
        for (v, e) in zip(values, expected) { #expect(abs(v - e) <= Float(1e-6) * max(Float(1), abs(e)), "\(v) vs \(e)") }
    }

    @Test("softmax rows sum to one and match a Double computation, masked entries included")
    func softmax() {
        let cols = 13
        var x = (0..<(3 * cols)).map { Float(($0 * 37) % 17) * 0.7 - 5 }
        x[4] = -.infinity
        let copy = x
        x.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 3, cols: cols) }
        for r in 0..<3 {
            let row = copy[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let m = row.max()!
            let z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for c in 0..<cols { #expect(abs(Double(x[r * cols + c]) - Foundation.exp(row[c] - m) / z) < 1e-6) }
        }
        #expect(x[4] == 0)
    }

    @Test("half → float widening is bit-exact for all 65,536 patterns (subnormals, ±0, ±∞, NaN), at any alignment")
    func widenHalf() {
        let halves = (0...0xffff).map { UInt16($0) }
        var bytes = [UInt8](repeating: 0, count: 1 + 2 * halves.count)   // offset by one byte: unaligned reads
        for (i, h) in halves.enumerated() { bytes[1 + 2 * i] = UInt8(h & 0xff); bytes[2 + 2 * i] = UInt8(h >> 8) }
        var out = [Float](repeating: 0, count: halves.count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { Kernels.widenHalf(src.baseAddress! + 1, into: $0.baseAddress!, count: halves.count) }
        }
        var mismatches = 0
        for (h, f) in zip(halves, out) {
            let e = Float(Float16(bitPattern: h))
            if e.isNaN ? !f.isNaN : e.bitPattern != f.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
