import CBLAS
import Testing

@Suite("BLAS is linked and computes")
struct BLASSmokeTests {
    @Test("cblas_sgemm equals a naive product")
    func sgemmMatchesNaive() {
        let m = 37, n = 29, k = 53
        var seed: UInt32 = 12345
        func next() -> Float { seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let a = (0..<(m * k)).map { _ in next() }
        let b = (0..<(k * n)).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                worst = max(worst, abs(Float(s) - c[i * n + j]))
            }
        }
        #expect(worst < 1e-4)
        #expect(c.contains { $0 != 0 })
    }
}
