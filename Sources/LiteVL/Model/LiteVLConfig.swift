import Foundation

/// The numbers that define a LiteVL model, read from `config.json` (see docs/model.md).
public struct LiteVLConfig: Codable, Sendable, Equatable {
    /// How the temporal branch of each ViT block is used.
    public enum TemporalMode: String, Codable, Sendable {
        /// LiteVL: temporal attention scaled by s_l = tanh(w_l · c_l + b_l).
        case dynamic
        /// Temporal attention with s_l = 1 (the "without dynamic scaling" ablation).
        case fixed
        /// No temporal attention and no temporal position embedding: BLIP frame by frame.
        case none
    }

    /// The vision transformer.
    public struct Vision: Codable, Sendable, Equatable {
        public var imageSize: Int
        public var patchSize: Int
        public var width: Int
        public var depth: Int
        public var heads: Int
        public var mlpDim: Int
        public var eps: Float
        public var numFrames: Int
        public var temporal: TemporalMode
        /// Channels of the optional convolutional stem (3×3 convolutions + GELU before the patch
        /// conv; docs/model.md, "Optional convolutional stem"); empty for BLIP's plain patch conv.
        public var stemChannels: [Int]
        /// Stride of each stem layer (1 or 2); empty means stride 1 everywhere. The patch conv's
        /// kernel shrinks by the product of the strides so the grid stays `imageSize / patchSize`.
        public var stemStrides: [Int]

        enum CodingKeys: String, CodingKey {
            case imageSize = "image_size", patchSize = "patch_size", width, depth, heads
            case mlpDim = "mlp_dim", eps, numFrames = "num_frames", temporal, stemChannels = "stem_channels"
            case stemStrides = "stem_strides"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            imageSize = try c.decode(Int.self, forKey: .imageSize)
            patchSize = try c.decode(Int.self, forKey: .patchSize)
            width = try c.decode(Int.self, forKey: .width)
            depth = try c.decode(Int.self, forKey: .depth)
            heads = try c.decode(Int.self, forKey: .heads)
            mlpDim = try c.decode(Int.self, forKey: .mlpDim)
            eps = try c.decode(Float.self, forKey: .eps)
            numFrames = try c.decode(Int.self, forKey: .numFrames)
            temporal = try c.decode(TemporalMode.self, forKey: .temporal)
            stemChannels = try c.decodeIfPresent([Int].self, forKey: .stemChannels) ?? []
            stemStrides = try c.decodeIfPresent([Int].self, forKey: .stemStrides) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(imageSize, forKey: .imageSize); try c.encode(patchSize, forKey: .patchSize)
            try c.encode(width, forKey: .width); try c.encode(depth, forKey: .depth); try c.encode(heads, forKey: .heads)
            try c.encode(mlpDim, forKey: .mlpDim); try c.encode(eps, forKey: .eps); try c.encode(numFrames, forKey: .numFrames)
            try c.encode(temporal, forKey: .temporal)
            if !stemChannels.isEmpty { try c.encode(stemChannels, forKey: .stemChannels) }
            if strides.contains(where: { $0 != 1 }) { try c.encode(stemStrides, forKey: .stemStrides) }
        }

        /// The stride of every stem layer (`stemStrides`, or 1 for each layer when it is empty).
        public var strides: [Int] { stemStrides.isEmpty ? Array(repeating: 1, count: stemChannels.count) : stemStrides }

        /// Side of the stem's output (the patch conv's input): `imageSize` over the product of the strides.
        public var stemOutputSize: Int { strides.reduce(imageSize) { ($0 - 1) / $1 + 1 } }

        /// Kernel (and stride) of the patch conv: `patchSize` over the product of the stem strides.
        public var patchKernel: Int { patchSize / strides.reduce(1, *) }

        /// Channels entering the patch conv: 3, or the stem's last.
        public var patchInputChannels: Int { stemChannels.last ?? 3 }

        public init(imageSize: Int, patchSize: Int, width: Int, depth: Int, heads: Int, mlpDim: Int, eps: Float,
                    numFrames: Int, temporal: TemporalMode) {
            self.imageSize = imageSize; self.patchSize = patchSize; self.width = width; self.depth = depth
            self.heads = heads; self.mlpDim = mlpDim; self.eps = eps; self.numFrames = numFrames; self.temporal = temporal
            self.stemChannels = []
            self.stemStrides = []
        }

        /// Patches per side.
        public var gridSize: Int { imageSize / patchSize }
        /// Patches per frame (N).
        public var patchCount: Int { gridSize * gridSize }
    }

    /// A BERT stack (the text encoder or the answer decoder).
    public struct Text: Codable, Sendable, Equatable {
        public var vocabSize: Int
        public var hidden: Int
        public var layers: Int
        public var heads: Int
        public var intermediate: Int
        public var maxPositions: Int
        public var eps: Float

        public init(vocabSize: Int, hidden: Int, layers: Int, heads: Int, intermediate: Int, maxPositions: Int, eps: Float) {
            self.vocabSize = vocabSize; self.hidden = hidden; self.layers = layers; self.heads = heads
            self.intermediate = intermediate; self.maxPositions = maxPositions; self.eps = eps
        }

        enum CodingKeys: String, CodingKey {
            case vocabSize = "vocab_size", hidden, layers, heads, intermediate, maxPositions = "max_positions", eps
        }
    }

    /// The text-dependent pooling.
    public struct Pooling: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var tau: Float
        public init(enabled: Bool, tau: Float) { self.enabled = enabled; self.tau = tau }
    }

    /// Token ids with a special meaning.
    public struct SpecialTokens: Codable, Sendable, Equatable {
        public var pad: Int = 0
        public var unk: Int = 100
        public var cls: Int = 101
        public var sep: Int = 102
        public var dec: Int = 30522
        public var enc: Int = 30523
        public init() {}
    }

    public var modelType: String
    public var name: String
    public var vision: Vision
    public var text: Text
    public var decoder: Text
    public var embedDim: Int
    public var pooling: Pooling
    public var maxQuestionTokens: Int
    public var labelSmoothing: Float
    public var imageMean: [Float]
    public var imageStd: [Float]
    public var specialTokens: SpecialTokens

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", name, vision, text, decoder, embedDim = "embed_dim", pooling
        case maxQuestionTokens = "max_question_tokens", labelSmoothing = "label_smoothing"
        case imageMean = "image_mean", imageStd = "image_std", specialTokens = "special_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "litevl"
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "LiteVL"
        vision = try c.decode(Vision.self, forKey: .vision)
        text = try c.decode(Text.self, forKey: .text)
        self.decoder = try c.decode(Text.self, forKey: .decoder)
        embedDim = try c.decode(Int.self, forKey: .embedDim)
        pooling = try c.decodeIfPresent(Pooling.self, forKey: .pooling) ?? Pooling(enabled: true, tau: 0.07)
        maxQuestionTokens = try c.decodeIfPresent(Int.self, forKey: .maxQuestionTokens) ?? 35
        labelSmoothing = try c.decodeIfPresent(Float.self, forKey: .labelSmoothing) ?? 0.1
        imageMean = try c.decodeIfPresent([Float].self, forKey: .imageMean) ?? [0.48145466, 0.4578275, 0.40821073]
        imageStd = try c.decodeIfPresent([Float].self, forKey: .imageStd) ?? [0.26862954, 0.26130258, 0.27577711]
        specialTokens = try c.decodeIfPresent(SpecialTokens.self, forKey: .specialTokens) ?? SpecialTokens()
    }

    /// Reads and checks `config.json`.
    public static func load(from url: URL) throws(ModelError) -> LiteVLConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.readFailure(url, what: "model config", error)
        }
        let config: LiteVLConfig
        do { config = try JSONDecoder().decode(LiteVLConfig.self, from: data) } catch let error as DecodingError {
            // Foundation reports a number that does not fit its field without a coding path, like broken JSON.
            let isJSON = (try? JSONSerialization.jsonObject(with: data)) != nil
            throw .badConfig(path: url.path, reason: Self.describe(error, isJSON: isJSON))
        } catch {
            throw .badConfig(path: url.path, reason: "\(error)")
        }
        if let problem = config.validationProblem { throw .badConfig(path: url.path, reason: problem) }
        return config
    }

    static func describe(_ error: DecodingError, isJSON: Bool = true) -> String {
        func path(_ p: [any CodingKey]) -> String { p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, ctx): return "missing key \((ctx.codingPath.map { $0.stringValue } + [key.stringValue]).joined(separator: "."))"
        case let .typeMismatch(_, ctx):
            return ctx.codingPath.isEmpty ? "the top level is not a JSON object" : "wrong type at \(path(ctx.codingPath))"
        case let .valueNotFound(_, ctx): return "null at \(path(ctx.codingPath))"
        case let .dataCorrupted(ctx):
            if !ctx.codingPath.isEmpty { return "bad value at \(path(ctx.codingPath))" }
            // (Foundation's own text says "not valid JSON" here too, and names no field.)
            return isJSON ? "a number does not fit its field (a fraction or a huge value where a whole number belongs)" : "not valid JSON"
        @unknown default: return "\(error)"
        }
    }

    /// Why the numbers cannot describe a model, or nil when they can.
    public var validationProblem: String? {
        let v = vision
        func bad(_ n: Int, _ what: String, max: Int = 1 << 16) -> String? { (n <= 0 || n > max) ? "\(what) = \(n) is out of range" : nil }
        for p in [bad(v.imageSize, "vision.image_size", max: 4096), bad(v.patchSize, "vision.patch_size", max: 512),
                  bad(v.width, "vision.width"), bad(v.depth, "vision.depth", max: 256), bad(v.heads, "vision.heads", max: 1024),
                  bad(v.mlpDim, "vision.mlp_dim"), bad(v.numFrames, "vision.num_frames", max: 1024),
                  bad(text.hidden, "text.hidden"), bad(text.layers, "text.layers", max: 256), bad(text.heads, "text.heads", max: 1024),
                  bad(text.vocabSize, "text.vocab_size", max: 1 << 22), bad(text.intermediate, "text.intermediate"),
                  bad(text.maxPositions, "text.max_positions", max: 1 << 16),
                  bad(decoder.hidden, "decoder.hidden"), bad(decoder.layers, "decoder.layers", max: 256), bad(decoder.heads, "decoder.heads", max: 1024),
                  bad(decoder.vocabSize, "decoder.vocab_size", max: 1 << 22), bad(decoder.intermediate, "decoder.intermediate"),
                  bad(decoder.maxPositions, "decoder.max_positions", max: 1 << 16),
                  bad(embedDim, "embed_dim"), bad(maxQuestionTokens, "max_question_tokens", max: 1 << 16)] {
            if let p { return p }
        }
        if v.stemChannels.count > 8 || v.stemChannels.contains(where: { $0 <= 0 || $0 > 1024 }) {
            return "vision.stem_channels \(v.stemChannels) is out of range (at most 8 layers of 1...1024 channels)"
        }
        if v.imageSize % v.patchSize != 0 { return "vision.image_size \(v.imageSize) is not a multiple of patch_size \(v.patchSize)" }
        if !v.stemStrides.isEmpty && (v.stemStrides.count != v.stemChannels.count || v.stemStrides.contains(where: { $0 != 1 && $0 != 2 })) {
            return "vision.stem_strides \(v.stemStrides) must give 1 or 2 for each of the \(v.stemChannels.count) stem layers"
        }
        let down = v.strides.reduce(1, *)
        if v.patchSize % down != 0 || v.stemOutputSize * down != v.imageSize {
            return "vision.patch_size \(v.patchSize) and image_size \(v.imageSize) are not multiples of the stem's total stride \(down)"
        }
        if v.width % v.heads != 0 { return "vision.width \(v.width) is not divisible by vision.heads \(v.heads)" }
        if text.hidden % text.heads != 0 { return "text.hidden is not divisible by text.heads" }
        if decoder.hidden % decoder.heads != 0 { return "decoder.hidden is not divisible by decoder.heads" }
        if decoder.hidden != text.hidden { return "decoder.hidden \(decoder.hidden) differs from text.hidden \(text.hidden)" }
        // 1e-4 and 1e4 are far outside any trained temperature, and 1 / tau must stay a finite number.
        if !(pooling.tau >= 1e-4 && pooling.tau <= 1e4) { return "pooling.tau = \(pooling.tau) is out of range (1e-4 to 1e4)" }
        for (eps, what) in [(v.eps, "vision.eps"), (text.eps, "text.eps"), (decoder.eps, "decoder.eps")] where !(eps > 0 && eps < 1) {
            return "\(what) = \(eps) is out of range (a layer norm's epsilon is positive and small, e.g. 1e-6 or 1e-12)"
        }
        // Questions are up to 35 tokens (BLIP's max_length); answers are generated up to 10 tokens after [DEC].
        if maxQuestionTokens < 2 {
            return "max_question_tokens = \(maxQuestionTokens) leaves no room for a question between [CLS] and [SEP]"
        }
        if text.maxPositions < maxQuestionTokens {
            return "text.max_positions = \(text.maxPositions) is below the \(maxQuestionTokens) tokens a question may have (max_question_tokens)"
        }
        if decoder.maxPositions < AnswerDecoder.maxGeneratedTokens + 1 {
            return "decoder.max_positions = \(decoder.maxPositions) is below the \(AnswerDecoder.maxGeneratedTokens + 1) positions of a generated answer"
        }
        if imageMean.count != 3 || imageStd.count != 3 || imageStd.contains(where: { !($0 > 0) }) { return "image_mean/image_std need 3 values, std positive" }
        let st = specialTokens
        for id in [st.pad, st.unk, st.cls, st.sep, st.dec, st.enc] where id < 0 || id >= min(text.vocabSize, decoder.vocabSize) {
            return "special token id \(id) is outside the vocabulary"
        }
        return nil
    }
}
