/// The arithmetic a model's linear layers run in, chosen when the model is loaded.
///
/// - ``float32``: the weights as stored (widened to float32), products in float32 sgemm. The
///   default; every parity test pins this path.
/// - ``bfloat16``: every linear weight of the ViT, the text encoder and the answer decoder (and
///   BLIP's heads) is converted to bfloat16 (round to nearest even) and packed at load; inputs are
///   rounded to bfloat16 per product and products accumulate in float32 (``BF16``). Attention
///   scores and values, convolutions, LayerNorm and softmax stay float32. Needs AVX512_BF16; a
///   model asked for bfloat16 on another CPU loads in float32 (``LiteVLModel/precision`` says which).
public enum WeightPrecision: String, Sendable, CaseIterable {
    case float32
    case bfloat16

    /// Short names for flags and headers: `f32`, `bf16`.
    public var shortName: String { self == .float32 ? "f32" : "bf16" }

    /// Parses `f32`/`float32`/`bf16`/`bfloat16`.
    public init?(name: String) {
        switch name.lowercased() {
        case "f32", "float32", "fp32": self = .float32
        case "bf16", "bfloat16": self = .bfloat16
        default: return nil
        }
    }

    /// What this request gives on this machine: ``bfloat16`` only where ``BF16/isSupported``.
    public var available: WeightPrecision { self == .bfloat16 && !BF16.isSupported ? .float32 : self }
}
