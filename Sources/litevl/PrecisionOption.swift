import ArgumentParser
import LiteVL

/// `--precision f32|bf16` for every command that loads a model.
extension WeightPrecision: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["f32", "bf16"] }
    public var defaultValueDescription: String { shortName }
}

extension LiteVLModel {
    /// One line for standard error when bfloat16 was asked for but the CPU cannot run it; nil otherwise.
    var precisionFallbackNote: String? {
        guard requestedPrecision == .bfloat16, precision != .bfloat16 else { return nil }
        return "litevl: note: --precision bf16 needs AVX512_BF16, which this CPU lacks (or LITEVL_NO_BF16 is set); running in f32"
    }
}
