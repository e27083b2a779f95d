import Foundation

/// Deterministic pseudo-random weights that the PyTorch reference and the Swift engine both
/// generate bit-exactly (docs/model.md, "Deterministic test weights").
///
/// Parity fixtures store a recipe (name, shape, seed, scale, offset per tensor) instead of the
/// weights themselves, which keeps fixtures of BLIP-base widths small; the bench uses recipes to
/// make full-size random models without Python.
public struct WeightRecipe: Codable, Sendable {
    /// One tensor of the recipe.
    public struct Entry: Codable, Sendable {
        public var name: String
        public var shape: [Int]
        public var seed: UInt64
        public var scale: Double
        public var offset: Double
        /// Values that overwrite single elements after generation: `[flat index, value]` pairs.
        public var set: [[Double]]?

        public init(name: String, shape: [Int], seed: UInt64, scale: Double, offset: Double) {
            self.name = name
            self.shape = shape
            self.seed = seed
            self.scale = scale
            self.offset = offset
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Reads a recipe (a JSON list of entries).
    public static func load(from url: URL) throws -> WeightRecipe {
        WeightRecipe(entries: try JSONDecoder().decode([Entry].self, from: Data(contentsOf: url)))
    }

    /// u_i in [-1, 1): splitmix64 of seed + (i + 1) · golden ratio, top 24 bits.
    @inline(__always)
    public static func uniform(seed: UInt64, index: Int) -> Double {
        var z = seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z = z ^ (z >> 31)
        return Double(z >> 40) * 0x1p-24 * 2 - 1
    }

    /// The values of one entry.
    public static func materialize(_ e: Entry) -> Tensor {
        let n = e.shape.reduce(1, *)
        var data = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let product = e.scale * uniform(seed: e.seed, index: i)
            data[i] = Float(e.offset + product)
        }
        for pair in e.set ?? [] where pair.count == 2 { data[Int(pair[0])] = Float(pair[1]) }
        return Tensor(shape: e.shape, data: data)
    }

    /// Writes every tensor of the recipe as a safetensors file.
    public func write(to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for e in entries { tensors[e.name] = Self.materialize(e) }
        try SafeTensorsFile.write(tensors, to: url)
    }
}

extension WeightRecipe {
    /// A recipe for random weights of the right scale for every tensor `config` implies, following
    /// the reference's fixture rules (docs/model.md, "Deterministic test weights"): LayerNorm
    /// weights around 1, linear weights with std 1/√fan-in, small biases, embeddings ±0.5,
    /// temporal scaling away from 0 and ±1. Used by the bench to build BLIP-base-size models without Python.
    public static func random(for config: LiteVLConfig, seed: UInt64 = 7000) -> WeightRecipe {
        var entries: [Entry] = []
        for (index, t) in LiteVLModel.expectedTensors(for: config).enumerated() {
            let name = t.name, shape = t.shape
            let isNorm = name.contains("norm") || name.contains("LayerNorm")
            var scale = 0.02, offset = 0.0
            if isNorm {
                if name.hasSuffix(".weight") { scale = 0.1; offset = 1 } else { scale = 0.05 }
            } else if name.hasSuffix("temporal_scaling.weight") {
                scale = 1 / Double(shape.last!).squareRoot()
            } else if name.hasSuffix("temporal_scaling.bias") {
                scale = 0.2; offset = 0.4
            } else if name.contains("embed") || name.hasSuffix("cls_token") {
                scale = 0.5
            } else if name.hasSuffix(".weight"), shape.count >= 2 {
                let fanIn = shape.dropFirst().reduce(1, *)
                scale = 3.0.squareRoot() / Double(fanIn).squareRoot()
            }
            entries.append(Entry(name: name, shape: shape, seed: seed + UInt64(index), scale: scale, offset: offset))
        }
        return WeightRecipe(entries: entries)
    }
}
