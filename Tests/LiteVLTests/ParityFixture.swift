import Foundation
@testable import LiteVL

/// One parity case written by `python3 Training/make_fixtures.py`: a config, a weight recipe,
/// the reference's inputs and outputs, and its discrete results (docs/model.md, "Parity fixtures").
struct ParityFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let cases = ["tiny_dynamic", "tiny_resample", "tiny_fixed_nopool", "tiny_none", "tiny_stem", "tiny_stem_strided", "base_widths"]

    let name: String
    let url: URL
    let config: LiteVLConfig
    let model: LiteVLModel
    let outputs: SafeTensorsFile
    let meta: [String: Any]
    /// Absolute tolerance for tiny cases, relative (to the tensor's largest magnitude) for base widths.
    let tolerance: Float
    let relative: Bool

    /// Loads the case, materialising its recipe into a temporary safetensors file.
    init(_ name: String) throws {
        self.name = name
        url = Self.directory.appendingPathComponent(name)
        config = try LiteVLConfig.load(from: url.appendingPathComponent("config.json"))
        let recipe = try WeightRecipe.load(from: url.appendingPathComponent("recipe.json"))
        let weightsURL = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-parity-\(name)-\(UUID().uuidString).safetensors")
        try recipe.write(to: weightsURL)
        defer { try? FileManager.default.removeItem(at: weightsURL) }
        // The mapping stays valid after the file is unlinked.
        model = try LiteVLModel(config: config, weights: try SafeTensorsFile(path: weightsURL.path))
        outputs = try SafeTensorsFile(path: url.appendingPathComponent("inputs_outputs.safetensors").path)
        meta = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("meta.json"))) as! [String: Any]
        relative = name == "base_widths"
        tolerance = relative ? 1e-3 : 1e-4
    }

    func tensor(_ name: String) throws -> Tensor { try outputs.tensor(name) }
    func ints(_ name: String) throws -> [Int] { try outputs.integers(name) }
    var questions: [[String: Any]] { meta["questions"] as! [[String: Any]] }
    var answers: [[Int]] { (meta["answers"] as! [[Any]]).map { $0.map { ($0 as! NSNumber).intValue } } }

    /// Row `i` of the outermost dimension of `t`.
    static func slice(_ t: Tensor, _ i: Int) -> Tensor {
        let inner = Array(t.shape.dropFirst())
        let n = inner.reduce(1, *)
        return Tensor(shape: inner, data: Array(t.data[(i * n)..<((i + 1) * n)]))
    }

    /// The largest error of `actual` against `expected`, absolute or relative to max |expected|.
    func error(_ actual: [Float], _ expected: [Float]) -> Float {
        precondition(actual.count == expected.count, "\(actual.count) values against \(expected.count)")
        var worst: Float = 0
        for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e)) }
        if relative {
            let scale = max(expected.map(abs).max() ?? 1, 1e-6)
            return worst / scale
        }
        return worst
    }
}
