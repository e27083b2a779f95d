import Foundation
import Testing
@testable import LiteVL

/// The bfloat16 kernels (``BF16``) against products computed in Double from the same
/// bfloat16-rounded inputs, and the bundled model in bfloat16 against float32.
///
/// Skipped where the CPU has no AVX512_BF16 (or `LITEVL_NO_BF16` is set for the test process):
/// the float32 path is what runs there, and the parity suites cover it.
@Suite("bfloat16 GEMM and models", .enabled(if: BF16.isSupported, "this CPU has no AVX512_BF16 (or LITEVL_NO_BF16 is set)"))
struct BF16Tests {
    /// Deterministic values in [-1, 1) with a spread of exponents (a linear congruential generator).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(s >> 40) / Float(1 << 24) * 2 - 1
            return u * (((s >> 20) & 3) == 0 ? 0.01 : 1)
        }
    }

    /// y = x · Wᵀ + b in Double from bfloat16-rounded x and W, with the bound of float32
    /// accumulation error: (k + 2) · 2⁻²⁴ · Σ|x·w| (+ |b|).
    static func reference(_ x: [Float], _ w: [Float], _ bias: [Float]?, m: Int, k: Int, n: Int)
        -> (value: [Double], bound: [Double]) {
        let xr = x.map { Double(BF16.round($0)) }, wr = w.map { Double(BF16.round($0)) }
        var value = [Double](repeating: 0, count: m * n), bound = value
        for r in 0..<m {
            for j in 0..<n {
                var s = bias.map { Double($0[j]) } ?? 0, a = abs(s)
                for i in 0..<k {
                    let p = xr[r * k + i] * wr[j * k + i]
                    s += p
                    a += abs(p)
                }
                value[r * n + j] = s
                bound[r * n + j] = Double(k + 2) * 0x1p-24 * a + 1e-30
            }
        }
        return (value, bound)
    }

    @Test("rounding to bfloat16 is to nearest, ties to even")
    func rounding() {
        #expect(BF16.round(1) == 1)
        #expect(BF16.round(Float(bitPattern: 0x3F80_8000)) == 1)  // tie, even below
        #expect(BF16.round(Float(bitPattern: 0x3F81_8000)) == Float(bitPattern: 0x3F82_0000))  // tie, even above
        #expect(BF16.round(Float(bitPattern: 0x3F80_8001)) == Float(bitPattern: 0x3F81_0000))
        #expect(BF16.round(-3.14159) == -3.140625)
        #expect(BF16.round(.infinity) == .infinity)
        #expect(BF16.round(.nan).isNaN)
    }

    /// Sizes cover the single-call path, row chunks (many rows: 197×64×768, 197×769×33) and
    /// column chunks (few rows, large product: 40×769×768).
    @Test("GEMM matches Double on awkward sizes, every column of every row, nothing else written",
          arguments: [(1, 1, 1), (2, 3, 17), (13, 64, 32), (31, 769, 33), (197, 64, 768), (1, 769, 768),
                      (13, 3, 1), (197, 769, 33), (2, 64, 17), (15, 385, 65), (28, 400, 96), (40, 769, 768)])
    func gemm(_ m: Int, _ k: Int, _ n: Int) {
        let x = Self.values(m * k, seed: UInt64(m * 1000 + k)), w = Self.values(n * k, seed: UInt64(n * 7 + k))
        let bias = Self.values(n, seed: 99)
        let packed = w.withUnsafeBufferPointer { BF16.PackedWeight($0.baseAddress!, outFeatures: n, inFeatures: k) }
        for withBias in [false, true] {
            let ref = Self.reference(x, w, withBias ? bias : nil, m: m, k: k, n: n)
            // Output rows wider than n (ldo = n + 5) with a sentinel everywhere else.
            let ldo = n + 5
            var y = [Float](repeating: 12345, count: m * ldo + 7)
            x.withUnsafeBufferPointer { xp in bias.withUnsafeBufferPointer { bp in y.withUnsafeMutableBufferPointer { yp in
                BF16.gemm(xp.baseAddress!, rows: m, ldx: k, weight: packed, bias: withBias ? bp.baseAddress! : nil,
                          into: yp.baseAddress!, ldo: ldo)
            } } }
            var bad = 0
            for r in 0..<m {
                for j in 0..<ldo {
                    let v = y[r * ldo + j]
                    if j < n {
                        if abs(Double(v) - ref.value[r * n + j]) > ref.bound[r * n + j] { bad += 1 }
                    } else if v != 12345 { bad += 1 }
                }
            }
            #expect(y[(m * ldo)...].allSatisfy { $0 == 12345 })
            #expect(bad == 0, "\(bad) wrong elements for m \(m) k \(k) n \(n) bias \(withBias)")
        }
    }

    @Test("column ranges write exactly their columns; the halves together equal the whole",
          arguments: [(13, 100, 768, 0, 384), (13, 100, 768, 384, 768), (31, 769, 33, 32, 33), (2, 3, 100, 64, 70),
                      (197, 64, 96, 32, 64), (120, 300, 100, 32, 70), (20, 500, 300, 64, 300)])
    func columns(_ m: Int, _ k: Int, _ n: Int, _ c0: Int, _ c1: Int) {
        let x = Self.values(m * k, seed: 5), w = Self.values(n * k, seed: 6), bias = Self.values(n, seed: 7)
        let packed = w.withUnsafeBufferPointer { BF16.PackedWeight($0.baseAddress!, outFeatures: n, inFeatures: k) }
        var part = [Float](repeating: -7, count: m * n), whole = part
        x.withUnsafeBufferPointer { xp in bias.withUnsafeBufferPointer { bp in
            part.withUnsafeMutableBufferPointer { yp in
                BF16.gemm(xp.baseAddress!, rows: m, ldx: k, weight: packed, bias: bp.baseAddress!, columns: c0..<c1, into: yp.baseAddress!, ldo: n)
            }
            whole.withUnsafeMutableBufferPointer { yp in
                BF16.gemm(xp.baseAddress!, rows: m, ldx: k, weight: packed, bias: bp.baseAddress!, into: yp.baseAddress!, ldo: n)
            }
        } }
        var bad = 0
        for r in 0..<m {
            for j in 0..<n where part[r * n + j] != ((c0..<c1).contains(j) ? whole[r * n + j] : -7) { bad += 1 }
        }
        #expect(bad == 0, "\(bad) elements differ for columns \(c0)..<\(c1)")
    }

    @Test("a strided input (ldx > k) reads only its k columns")
    func stridedInput() {
        let m = 5, k = 40, n = 48, ldx = 57
        let x = Self.values(m * ldx, seed: 11), w = Self.values(n * k, seed: 12)
        let dense = (0..<m).flatMap { r in x[(r * ldx)..<(r * ldx + k)] }
        let ref = Self.reference(Array(dense), w, nil, m: m, k: k, n: n)
        let linear = w.withUnsafeBufferPointer { wp in
            Linear(weight: WeightTensor(shape: [n, k], pointer: wp.baseAddress!), bias: nil).packedBF16()
        }
        var y = [Float](repeating: 0, count: m * n)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { linear.apply(xp.baseAddress!, rows: m, ldx: ldx, into: $0.baseAddress!) } }
        for i in 0..<(m * n) { #expect(abs(Double(y[i]) - ref.value[i]) <= ref.bound[i]) }
    }

    /// The bundled model, or nil when the assets are not in this checkout.
    static let bundled: URL? = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets/models/litevl-tiny")
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) ? dir : nil
    }()

    @Test("the bundled model in bfloat16: every linear packed, top answers as in float32 on synthetic clips",
          .enabled(if: bundled != nil, "Assets/models/litevl-tiny is not in this checkout"))
    func bundledModel() throws {
        let dir = try #require(Self.bundled)
        let f32 = try VideoQuestionAnswerer.load(directory: dir)
        let bf16 = try VideoQuestionAnswerer.load(directory: dir, precision: .bfloat16)
        #expect(f32.model.precision == .float32)
        #expect(bf16.model.precision == .bfloat16)
        #expect(bf16.model.vision.blocks.allSatisfy { $0.qkv.packed != nil && $0.fc2.packed != nil })
        #expect(bf16.model.decoder.output.packed != nil)
        #expect(f32.model.vision.blocks.allSatisfy { $0.qkv.packed == nil })
        let v = f32.model.config.vision
        let questions = ["how many objects are there?", "what shape is the green object?", "which way is the red circle moving?",
                         "what color does the square turn?", "does the blue triangle disappear?"]
        var agree = 0, total = 0
        for seed in 0..<1 {
            // Smooth synthetic frames: a few coloured blobs per frame, so features are not noise.
            let frames = v.numFrames, s = v.imageSize
            let noise = Self.values(frames * 3 * s * s, seed: UInt64(40 + seed))
            var pixels = [Float](repeating: 0, count: frames * 3 * s * s)
            for t in 0..<frames {
                for c in 0..<3 {
                    for y in 0..<s {
                        for x in 0..<s {
                            let cx = Float(s) * (0.3 + 0.05 * Float(t + seed)), cy = Float(s) * 0.5
                            let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)) / Float(s * s)
                            let i = ((t * 3 + c) * s + y) * s + x
                            pixels[i] = (d < 0.02 ? Float(c == seed % 3 ? 2 : -1) : -0.5) + 0.1 * noise[i]
                        }
                    }
                }
            }
            let video = Tensor(shape: [frames, 3, s, s], data: pixels)
            let a = try f32.encode(video: video), b = try bf16.encode(video: video)
            for q in questions {
                let ra = try f32.ask(q, video: a), rb = try bf16.ask(q, video: b)
                total += 1
                if ra.answer == rb.answer { agree += 1 }
            }
        }
        // bfloat16 moves scores by about 1e-2; only a near-tie could flip (none does today).
        #expect(agree >= total - 1, "bf16 agreed with f32 on \(agree) of \(total)")
    }
}
