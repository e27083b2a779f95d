import Foundation
import LiteVL

extension CLI {
    /// A second random model like ``randomModel`` but without temporal attention (`temporal: none`),
    /// standing in for the no-temporal baseline (Assets/models/litevl-tiny-notemp) in compare tests.
    static let randomBaselineModel: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-cli-baseline-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = LiteVLConfig.Text(vocabSize: 30524, hidden: 32, layers: 2, heads: 2, intermediate: 64, maxPositions: 64, eps: 1e-12)
        var config = LiteVLConfig(
            name: "random-notemp",
            vision: .init(imageSize: 32, patchSize: 8, width: 32, depth: 2, heads: 2, mlpDim: 64, eps: 1e-6, numFrames: 4, temporal: .none),
            text: text, decoder: text, embedDim: 16)
        config.pooling.tau = 0.5
        try! JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        try! WeightRecipe.random(for: config, seed: 8100).write(to: dir.appendingPathComponent("model.safetensors"))
        try! FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Assets/vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
        try! "circle\nsquare\ntriangle\nred\ngreen\nblue\nyellow\nyes\nno\n".write(to: dir.appendingPathComponent("answers.txt"), atomically: true, encoding: .utf8)
        return dir
    }()
}
