import Foundation
import LiteVL

extension CLI {
    /// A second random model like ``randomModel`` but without temporal attention (`temporal: none`),
    /// standing in for the no-temporal baseline (Assets/models/litevl-tiny-notemp) in compare tests.
    static let randomBaselineModel: URL = writeRandomModel(folder: "litevl-cli-baseline", name: "random-notemp", temporal: .none, seed: 8100)
}
