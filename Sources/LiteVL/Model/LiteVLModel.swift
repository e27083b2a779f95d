import Foundation

/// A loaded LiteVL model: the video encoder, the video-grounded text encoder, the answer decoder
/// and BLIP's heads, all reading their weights from one memory-mapped safetensors file.
///
/// The model is immutable and `Sendable`; every call allocates its own working memory.
public final class LiteVLModel: Sendable {
    public let config: LiteVLConfig
    /// The weights file; the layers point into its mapping.
    public let weights: SafeTensorsFile!
    /// Where the model came from, for messages: its weights file, or its config name when built in memory.
    public var source: String { weights?.path ?? "model \(config.name)" }
    public let vision: VisionTransformer
    public let textEncoder: BertStack
    public let decoder: AnswerDecoder
    /// `vision_proj` and `text_proj`; nil when the checkpoint has none (BLIP's VQA model), in which
    /// case pooling compares raw, normalised features.
    public let visionProjection: Linear?
    public let textProjection: Linear?
    /// `itm_head`, when the checkpoint has one.
    public let itmHead: Linear?
    /// The precision the linear layers run in (``WeightPrecision/float32`` when bfloat16 was
    /// requested on a CPU without AVX512_BF16).
    public let precision: WeightPrecision
    /// The precision asked for at load.
    public let requestedPrecision: WeightPrecision
    /// Seconds spent building the layers at load, bfloat16 packing included.
    public let buildSeconds: Double

    /// Builds the model from a config and a weights file, checking every tensor's name and shape
    /// and refusing tensors the config does not use. With `precision: .bfloat16` every linear
    /// weight is packed in bfloat16 when the CPU supports it (see ``precision``).
    public convenience init(config: LiteVLConfig, weights: SafeTensorsFile, precision: WeightPrecision = .float32) throws(ModelError) {
        let loader = WeightLoader(file: weights)
        loader.precision = precision.available
        try self.init(config: config, loader: loader, requested: precision)
    }

    init(config: LiteVLConfig, loader: WeightLoader, requested: WeightPrecision = .float32) throws(ModelError) {
        let start = DispatchTime.now().uptimeNanoseconds
        self.config = config
        self.weights = loader.file
        precision = loader.precision
        requestedPrecision = requested
        let path = loader.file?.path ?? "(recording)"
        vision = try VisionTransformer(loader: loader, config: config.vision)
        textEncoder = try BertStack(loader: loader, prefix: "text_encoder", config: config.text, crossWidth: config.vision.width)
        decoder = try AnswerDecoder(loader: loader, config: config)
        let hasProjections = loader.has("vision_proj.weight") || loader.has("text_proj.weight")
        if hasProjections {
            visionProjection = try loader.linear("vision_proj", in: config.vision.width, out: config.embedDim)
            textProjection = try loader.linear("text_proj", in: config.text.hidden, out: config.embedDim)
        } else {
            guard config.vision.width == config.text.hidden || !config.pooling.enabled else {
                throw .missingTensor(path: path, name: "vision_proj.weight")
            }
            visionProjection = nil
            textProjection = nil
        }
        itmHead = loader.has("itm_head.weight") ? try loader.linear("itm_head", in: config.text.hidden, out: 2) : nil
        let extra = loader.unused()
        if !extra.isEmpty { throw .unexpectedTensors(path: path, names: extra) }
        buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Every tensor name and shape a config implies, in the engine's load order (ITC and ITM heads included).
    public static func expectedTensors(for config: LiteVLConfig) -> [(name: String, shape: [Int])] {
        let loader = WeightLoader(recording: ())
        _ = try? LiteVLModel(config: config, loader: loader)
        return loader.recorded
    }

    /// Loads `config.json` and `model.safetensors` from a model directory, with its linear layers
    /// in `precision` where the CPU allows (see ``precision``).
    public static func load(directory: URL, precision: WeightPrecision = .float32) throws(ModelError) -> LiteVLModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw .fileMissing(path: directory.path, what: "model directory")
        }
        guard isDirectory.boolValue else {
            throw .badInput("--model must name a directory holding model.safetensors and config.json, not a file: \(directory.path)")
        }
        let config = try LiteVLConfig.load(from: directory.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile(path: directory.appendingPathComponent("model.safetensors").path)
        return try LiteVLModel(config: config, weights: weights, precision: precision)
    }

    // MARK: - Video side (once per clip)

    /// Encodes a video (`[frames, 3, S, S]`, normalised) into everything that does not depend on
    /// the question: features, per-layer scaling, projected features for pooling and the text
    /// encoder's cross-attention keys and values of the frame tokens.
    public func encode(video: Tensor, afterBlock: ((Int, Tensor) -> Void)? = nil, profile: StageProfile? = nil) -> EncodedVideo {
        let out = vision.forward(video, afterBlock: afterBlock, profile: profile)
        let mark = profile?.now()
        defer { if let profile { _ = profile.record("video.cache", since: mark!) } }
        return encodedVideo(features: out.features, scales: out.scales)
    }

    /// Everything ``encode(video:afterBlock:profile:)`` derives from the ViT output: projected,
    /// normalised features, their frame mean and the cross-attention keys and values of the frame
    /// tokens. Lets a caller that stored V (a feature cache) skip the ViT.
    public func encodedVideo(features v: Tensor, scales: [Float]) -> EncodedVideo {
        let frames = v.shape[0], positions = v.shape[1], width = v.shape[2]
        var projected = visionProjection.map { $0(v) } ?? v
        let e = projected.shape[2]
        projected.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<(frames * positions) { Kernels.normalize(p.baseAddress! + r * e, count: e) }
        }
        var mean = Tensor(zeros: [positions, e])
        for t in 0..<frames {
            for i in 0..<(positions * e) { mean.data[i] += projected.data[t * positions * e + i] }
        }
        for i in 0..<mean.count { mean.data[i] /= Float(frames) }
        let flat = v.reshaped([frames * positions, width])
        return EncodedVideo(features: v, scales: scales, projected: projected, projectedMean: mean,
                            frameKeyValues: textEncoder.crossKeyValues(flat))
    }

    // MARK: - Text side (once per question)

    /// The question's text feature q: the text encoder without cross-attention on `[CLS] …`,
    /// its first token through `text_proj`, L2-normalised.
    public func textFeature(ids: [Int], mask: [Int]? = nil) -> [Float] {
        let (h, _) = textEncoder.forward(ids: ids, mask: mask)
        var q = Array(h.row(0))
        if let textProjection { q = textProjection(Tensor(shape: [1, q.count], data: q)).data }
        q.withUnsafeMutableBufferPointer { Kernels.normalize($0.baseAddress!, count: $0.count) }
        return q
    }

    /// Text-dependent pooling of `video` for the question feature `q`.
    public func pool(_ video: EncodedVideo, question q: [Float]) -> PoolingResult {
        TextDependentPooling.pool(projected: video.projected, projectedMean: video.projectedMean, question: q, tau: config.pooling.tau)
    }

    /// The cross-attention memory for one question: the frame tokens' cached keys and values,
    /// followed (with pooling) by those of the pooled rows.
    ///
    /// The pooled rows' keys and values are pooled from the cached ones with the same weights
    /// (``TextDependentPooling/pooledRows(_:frames:positions:width:temporalWeights:spatialWeights:)``):
    /// a few matrix–vector products per layer instead of projecting 1 + N + T new rows.
    public func memory(_ video: EncodedVideo, pooling: PoolingResult?) -> BertStack.CrossMemory {
        guard let pooling else { return video.frameKeyValues.map { [$0] } }
        let frames = video.features.shape[0], positions = video.features.shape[1]
        let a = pooling.temporalWeights, b = pooling.spatialWeights
        let cached = video.frameKeyValues
        return Parallel.map(cached.count) { layer in
            let kv = cached[layer]
            let h = kv.keys.shape[1]
            let keys = kv.keys.data.withUnsafeBufferPointer {
                TextDependentPooling.pooledRows($0.baseAddress!, frames: frames, positions: positions, width: h, temporalWeights: a, spatialWeights: b)
            }
            let values = kv.values.data.withUnsafeBufferPointer {
                TextDependentPooling.pooledRows($0.baseAddress!, frames: frames, positions: positions, width: h, temporalWeights: a, spatialWeights: b)
            }
            return [kv, KeyValueBlock(keys: keys, values: values)]
        }
    }

    /// The multimodal question encoding: `[ENC] …` through the text encoder with cross-attention.
    public func encodeQuestion(ids: [Int], mask: [Int]? = nil, memory: BertStack.CrossMemory,
                               recordCrossAttention: Bool = false) -> (states: Tensor, crossAttention: [Tensor]) {
        let out = textEncoder.forward(ids: ids, mask: mask, cross: memory, recordCrossAttention: recordCrossAttention)
        return (out.hidden, out.crossAttention)
    }

    /// ITM logits `[no match, match]` from the first multimodal state, when the model has an ITM head.
    public func itmLogits(questionStates: Tensor) -> [Float]? {
        guard let itmHead else { return nil }
        return itmHead(Tensor(shape: [1, questionStates.columns], data: Array(questionStates.row(0)))).data
    }

    /// The video's ITC feature: each frame's class token through `vision_proj`, averaged over
    /// frames, then normalised (BLIP's zero-shot video retrieval).
    public func videoFeature(_ video: EncodedVideo) -> [Float] {
        let frames = video.features.shape[0], positions = video.features.shape[1], width = video.features.shape[2]
        var cls = Tensor(zeros: [frames, width])
        for t in 0..<frames { cls.data.replaceSubrange(t * width..<(t + 1) * width, with: video.features.data[(t * positions * width)..<(t * positions * width + width)]) }
        let projected = visionProjection.map { $0(cls) } ?? cls
        let e = projected.columns
        var mean = [Float](repeating: 0, count: e)
        for t in 0..<frames { for i in 0..<e { mean[i] += projected.data[t * e + i] } }
        for i in 0..<e { mean[i] /= Float(frames) }
        mean.withUnsafeMutableBufferPointer { Kernels.normalize($0.baseAddress!, count: e) }
        return mean
    }

    /// ITC similarity between the video and a text feature q.
    public func itcSimilarity(_ video: EncodedVideo, text q: [Float]) -> Float {
        zip(videoFeature(video), q).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// Everything about a clip that does not depend on the question, computed once.
public struct EncodedVideo: Sendable {
    /// V: `[frames, 1 + N, width]`.
    public var features: Tensor
    /// s_l for every ViT layer (empty without a temporal branch).
    public var scales: [Float]
    /// normalize(vision_proj(V)): `[frames, 1 + N, embedDim]`.
    public var projected: Tensor
    /// The mean over frames of `projected`: `[1 + N, embedDim]`.
    public var projectedMean: Tensor
    /// Each text-encoder layer's cross-attention keys and values of the `frames · (1 + N)` frame tokens.
    public var frameKeyValues: [KeyValueBlock]

    /// The number of frames.
    public var frameCount: Int { features.shape[0] }

    /// Whether V and every s_l are finite numbers (damaged weights give NaN or infinity).
    public var isFinite: Bool {
        scales.allSatisfy(\.isFinite) && features.data.allSatisfy(\.isFinite)
    }
}
