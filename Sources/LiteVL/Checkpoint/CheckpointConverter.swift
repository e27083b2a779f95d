import Foundation

/// Turns a BLIP (or LiteVL) PyTorch checkpoint into an engine model directory
/// (docs/checkpoints.md).
///
/// Names: `visual_encoder.*`, `text_encoder.*`, `text_decoder.*`, `vision_proj.*`, `text_proj.*`
/// and `itm_head.*` are kept as they are (the engine uses BLIP's state-dict paths); momentum
/// copies (`*_m.*`), queues, `temp`, `position_ids` buffers and
/// `text_decoder.cls.predictions.decoder.bias` (a copy of `cls.predictions.bias`) are dropped.
/// The config is read off the shapes. `pos_embed` is resampled to the chosen input size with
/// BLIP's bicubic `interpolate_pos_embed`. An image checkpoint gets LiteVL's additions as the
/// paper initialises them — `temporal_norm` and `temporal_attn` copied from `norm1` and `attn`,
/// `temporal_scaling` and `temporal_embed` zero — so that with pooling off its answers on a video
/// equal BLIP's own zero-shot video recipe; a LiteVL checkpoint keeps its own.
public struct CheckpointConverter {
    /// What to build.
    public struct Options: Sendable {
        /// Input size in pixels; default: the checkpoint's own (its pos_embed grid × patch size).
        public var imageSize: Int?
        /// Frames F of `temporal_embed`; default: the checkpoint's, else 8.
        public var frames: Int?
        /// The temporal branch; default: the checkpoint's, or `dynamic` for an image checkpoint.
        public var temporal: LiteVLConfig.TemporalMode?
        /// Text-dependent pooling in config.json.
        public var pooling: Bool = true
        /// Attention heads of ViT and BERT; default: width / 64 (BLIP: 768 → 12, 1024 → 16).
        public var heads: Int?
        /// The model's name in config.json.
        public var name: String?
        public init() {}
    }

    /// Where a converted tensor's values come from.
    public enum Source {
        /// A checkpoint tensor, unchanged.
        case stored(StoredTensor)
        /// A tensor the conversion computed (resampled, copied or zero).
        case computed(Tensor)

        public var shape: [Int] {
            switch self {
            case let .stored(s): return s.shape
            case let .computed(t): return t.shape
            }
        }

        /// The values as a ``Tensor``.
        public func tensor() -> Tensor {
            switch self {
            case let .stored(s): return s.toTensor()
            case let .computed(t): return t
            }
        }
    }

    /// The result of planning a conversion.
    public struct Plan {
        public var config: LiteVLConfig
        /// Every tensor of the engine model.
        public var tensors: [String: Source]
        /// Where the state dict was found in the checkpoint.
        public var location: String
        /// Checkpoint tensors dropped by rule (momentum copies, queues, buffers, duplicates).
        public var dropped: [String]
        /// Checkpoint tensors the engine has no use for (reported, not written).
        public var ignored: [String]
        /// LiteVL tensors added because the checkpoint lacks them.
        public var added: [String]
        /// pos_embed grid before and after, when resampled.
        public var resampledGrid: (from: Int, to: Int)?
        /// The temporal branch of the checkpoint itself.
        public var sourceTemporal: LiteVLConfig.TemporalMode
    }

    public let checkpoint: TorchCheckpoint

    public init(checkpoint: TorchCheckpoint) { self.checkpoint = checkpoint }

    static let keptPrefixes = ["visual_encoder", "text_encoder", "text_decoder", "vision_proj", "text_proj", "itm_head"]

    /// Why a checkpoint name is dropped by rule, or nil.
    public static func dropReason(_ name: String) -> String? {
        let first = name.split(separator: ".").first.map(String.init) ?? name
        if first.hasSuffix("_m") { return "momentum copy" }
        if first.contains("queue") { return "queue" }
        if name == "temp" { return "ITC temperature" }
        if name.hasSuffix("position_ids") { return "position_ids buffer" }
        if name == "text_decoder.cls.predictions.decoder.bias" { return "copy of text_decoder.cls.predictions.bias" }
        return nil
    }

    /// The special-token ids for a vocabulary file's lines and the model's vocabulary size:
    /// [PAD], [UNK], [CLS], [SEP] where the file has them, [DEC] and [ENC] the last two ids (BLIP
    /// adds them after bert-base-uncased's 30,522 tokens).
    public static func specialTokens(vocabulary lines: [String], vocabSize: Int, path: String) throws(CheckpointError) -> LiteVLConfig.SpecialTokens {
        guard lines.count <= vocabSize - 2 else {
            throw .conversion(path: path, reason: "the vocabulary has \(lines.count) tokens but the checkpoint's word embeddings have \(vocabSize) rows (\(vocabSize - 2) + [DEC] + [ENC]); pass the vocabulary the checkpoint was trained with (--vocab)")
        }
        var st = LiteVLConfig.SpecialTokens()
        func find(_ token: String) throws(CheckpointError) -> Int {
            guard let i = lines.firstIndex(of: token) else { throw .conversion(path: path, reason: "the vocabulary has no \(token) token") }
            return i
        }
        st.pad = try find("[PAD]"); st.unk = try find("[UNK]"); st.cls = try find("[CLS]"); st.sep = try find("[SEP]")
        st.dec = vocabSize - 2; st.enc = vocabSize - 1
        return st
    }

    /// Plans the conversion: the config and every output tensor, without writing anything.
    public func plan(options: Options, vocabulary: [String]) throws(CheckpointError) -> Plan {
        let path = checkpoint.path
        func fail(_ reason: String) -> CheckpointError { .conversion(path: path, reason: reason) }
        let (location, stateDict) = try checkpoint.stateDict()
        var kept: [String: StoredTensor] = [:]
        var dropped: [String] = [], ignored: [String] = []
        for (name, t) in stateDict {
            if Self.dropReason(name) != nil { dropped.append(name); continue }
            let first = name.split(separator: ".").first.map(String.init) ?? name
            guard Self.keptPrefixes.contains(first) else { ignored.append(name); continue }
            guard t.dtype.isFloatingPoint else { throw .badTensor(path: path, name: name, reason: "has integer dtype \(t.dtype); weights must be floating point") }
            kept[name] = t
        }
        guard kept.keys.contains(where: { $0.hasPrefix("text_decoder.") }) else {
            if kept.keys.contains(where: { $0.hasPrefix("visual_encoder.") }) { throw .noAnswerDecoder(path: path) }
            throw fail("it holds no BLIP tensors (visual_encoder.*, text_encoder.*, text_decoder.*); state dict at \(location) starts with \(stateDict.prefix(3).map(\.name).joined(separator: ", "))")
        }
        /// The shape of `name`, which must have `rank` dimensions, none empty.
        func shape(_ name: String, rank: Int) throws(CheckpointError) -> [Int] {
            guard let t = kept[name] else { throw fail("it lacks \(name)") }
            guard t.shape.count == rank, t.shape.allSatisfy({ $0 > 0 }) else {
                throw .badTensor(path: path, name: name, reason: "has shape \(t.shape), expected \(rank) non-empty dimensions")
            }
            return t.shape
        }
        func count(_ prefix: String) -> Int {
            var n = 0
            while kept.keys.contains(where: { $0.hasPrefix("\(prefix).\(n).") }) { n += 1 }
            return n
        }
        func heads(_ width: Int) throws(CheckpointError) -> Int {
            if let h = options.heads { return h }
            guard width % 64 == 0 else { throw fail("cannot infer the attention heads of width \(width) (BLIP uses 64 per head); pass --heads") }
            return width / 64
        }

        // Vision
        let cls = try shape("visual_encoder.cls_token", rank: 3), patch = try shape("visual_encoder.patch_embed.proj.weight", rank: 4)
        let pos = try shape("visual_encoder.pos_embed", rank: 3)
        guard patch[2] == patch[3] else { throw fail("visual_encoder.patch_embed.proj.weight has non-square patches \(patch[2])x\(patch[3])") }
        guard patch[1] == 3 else { throw fail("visual_encoder.patch_embed.proj.weight reads \(patch[1]) channels, not RGB (a convolutional stem is not supported)") }
        let width = cls[2], patchSize = patch[2]
        let n0 = pos[1] - 1
        let g0 = Int(Double(max(n0, 0)).squareRoot().rounded())
        guard g0 * g0 == n0, g0 > 0 else { throw fail("visual_encoder.pos_embed has \(n0) patch positions, not a square grid") }
        let imageSize = options.imageSize ?? g0 * patchSize
        guard imageSize > 0, imageSize % patchSize == 0 else { throw fail("--image-size \(imageSize) is not a multiple of the patch size \(patchSize)") }
        let depth = count("visual_encoder.blocks")
        guard depth > 0 else { throw fail("it has no visual_encoder.blocks") }
        let mlp = try shape("visual_encoder.blocks.0.mlp.fc1.weight", rank: 2)[0]

        let hasTemporalAttention = kept.keys.contains { $0.contains(".temporal_attn.") }
        let hasScaling = kept.keys.contains { $0.contains(".temporal_scaling.") }
        let source: LiteVLConfig.TemporalMode = hasScaling ? .dynamic : (hasTemporalAttention ? .fixed : .none)
        let temporal = options.temporal ?? (source == .none ? .dynamic : source)
        switch (source, temporal) {
        case (.fixed, .dynamic):
            throw fail("it was trained with temporal \"fixed\" (no temporal_scaling); convert it with --temporal fixed or none")
        default: break
        }
        var frames = options.frames ?? 8
        if temporal != .none, source != .none, let te = kept["visual_encoder.temporal_embed"] {
            guard te.shape.count == 3 else { throw fail("visual_encoder.temporal_embed has shape \(te.shape)") }
            if let f = options.frames, f != te.shape[1] {
                throw fail("its temporal_embed holds \(te.shape[1]) frames; omit --frames or pass --frames \(te.shape[1]) (ask --frames samples other counts and resamples it)")
            }
            frames = te.shape[1]
        }
        guard (1...1024).contains(frames) else { throw fail("--frames \(frames) is out of range") }

        // Text encoder and decoder
        func stack(_ prefix: String) throws(CheckpointError) -> LiteVLConfig.Text {
            let words = try shape("\(prefix).embeddings.word_embeddings.weight", rank: 2)
            let positions = try shape("\(prefix).embeddings.position_embeddings.weight", rank: 2)
            let layers = count("\(prefix).encoder.layer")
            guard layers > 0 else { throw fail("it has no \(prefix).encoder.layer") }
            let inter = try shape("\(prefix).encoder.layer.0.intermediate.dense.weight", rank: 2)[0]
            return LiteVLConfig.Text(vocabSize: words[0], hidden: words[1], layers: layers, heads: try heads(words[1]),
                                     intermediate: inter, maxPositions: positions[0], eps: 1e-12)
        }
        let text = try stack("text_encoder"), decoder = try stack("text_decoder.bert")
        let hasProjections = kept["vision_proj.weight"] != nil || kept["text_proj.weight"] != nil
        let embedDim = try hasProjections ? shape("vision_proj.weight", rank: 2)[0] : 256
        if !hasProjections && options.pooling && width != text.hidden {
            throw fail("it has no vision_proj/text_proj and the ViT width \(width) differs from the text width \(text.hidden), so text-dependent pooling cannot compare them; pass --pooling off")
        }
        var config = LiteVLConfig(
            name: options.name ?? "converted from \(URL(fileURLWithPath: path).lastPathComponent)",
            vision: .init(imageSize: imageSize, patchSize: patchSize, width: width, depth: depth, heads: try heads(width), mlpDim: mlp,
                          eps: 1e-6, numFrames: frames, temporal: temporal),
            text: text, decoder: decoder, embedDim: embedDim,
            pooling: .init(enabled: options.pooling, tau: 0.07))
        config.specialTokens = try Self.specialTokens(vocabulary: vocabulary, vocabSize: text.vocabSize, path: path)
        if decoder.vocabSize != text.vocabSize { throw fail("the decoder's vocabulary (\(decoder.vocabSize)) differs from the encoder's (\(text.vocabSize))") }
        if let problem = config.validationProblem { throw fail("the inferred config is invalid: \(problem)") }

        // Tensors
        var tensors: [String: Source] = [:]
        for (name, t) in kept { tensors[name] = .stored(t) }
        var added: [String] = []
        var resampled: (Int, Int)?
        let grid = imageSize / patchSize
        if grid != g0 {
            guard let r = PositionEmbeddingResampler.resample(kept["visual_encoder.pos_embed"]!.toTensor(), grid: grid) else { throw fail("cannot resample pos_embed") }
            tensors["visual_encoder.pos_embed"] = .computed(r)
            resampled = (g0, grid)
        }
        let temporalNames = tensors.keys.filter { $0.contains(".temporal_") || $0 == "visual_encoder.temporal_embed" }
        if temporal == .none || source == .none {
            for n in temporalNames { tensors[n] = nil; dropped.append(n) }
        } else if temporal == .fixed {
            for n in temporalNames where n.contains(".temporal_scaling.") { tensors[n] = nil; dropped.append(n) }
        }
        if temporal != .none && source == .none {
            tensors["visual_encoder.temporal_embed"] = .computed(Tensor(zeros: [1, frames, width]))
            added.append("visual_encoder.temporal_embed")
            for l in 0..<depth {
                let p = "visual_encoder.blocks.\(l)."
                for s in ["weight", "bias"] {
                    for (to, from) in [("temporal_norm.", "norm1."), ("temporal_attn.qkv.", "attn.qkv."), ("temporal_attn.proj.", "attn.proj.")] {
                        guard let t = kept[p + from + s] else { throw fail("it lacks \(p + from + s)") }
                        tensors[p + to + s] = .stored(t)
                        added.append(p + to + s)
                    }
                }
                if temporal == .dynamic {
                    tensors[p + "temporal_scaling.weight"] = .computed(Tensor(zeros: [1, width]))
                    tensors[p + "temporal_scaling.bias"] = .computed(Tensor(zeros: [1]))
                    added += [p + "temporal_scaling.weight", p + "temporal_scaling.bias"]
                }
            }
        }

        // Check against what the engine loads.
        var expected = LiteVLModel.expectedTensors(for: config)
        if !hasProjections { expected.removeAll { $0.name.hasPrefix("vision_proj.") || $0.name.hasPrefix("text_proj.") } }
        if tensors["itm_head.weight"] == nil && tensors["itm_head.bias"] == nil { expected.removeAll { $0.name.hasPrefix("itm_head.") } }
        var unused = Set(tensors.keys)
        for (name, s) in expected {
            guard let t = tensors[name] else { throw fail("it lacks \(name), which a model of the inferred shape needs") }
            guard t.shape == s else { throw fail("\(name) has shape \(t.shape); a model of the inferred shape needs \(s)") }
            unused.remove(name)
        }
        for name in unused { tensors[name] = nil; ignored.append(name) }
        return Plan(config: config, tensors: tensors, location: location, dropped: dropped.sorted(), ignored: ignored.sorted(),
                    added: added.sorted(), resampledGrid: resampled.map { (from: $0.0, to: $0.1) }, sourceTemporal: source)
    }

    /// Writes `plan` as a model directory: `model.safetensors` (float32), `config.json`,
    /// `vocab.txt` (a copy of `vocabulary`) and, with `answers`, `answers.txt`. The weights are
    /// written under a temporary name and loaded back with ``LiteVLModel`` before they take
    /// their final name, so a failure never leaves a half model behind.
    public static func write(_ plan: Plan, to directory: URL, vocabulary: URL, answers: URL?) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let partial = directory.appendingPathComponent(".model.safetensors.partial")
        defer { try? fm.removeItem(at: partial) }
        try SafeTensorsStreamWriter.write(to: partial, shapes: plan.tensors.mapValues(\.shape), metadata: ["format": "pt", "converted_by": "litevl convert"]) { name, sink in
            switch plan.tensors[name]! {
            case let .stored(s):
                if let bytes = s.contiguousBytes { try sink(bytes) } else { try s.floats().withUnsafeBytes { try sink($0) } }
            case let .computed(t):
                try t.data.withUnsafeBytes { try sink($0) }
            }
        }
        _ = try LiteVLModel(config: plan.config, weights: SafeTensorsFile(path: partial.path))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(plan.config).write(to: directory.appendingPathComponent("config.json"))
        func replace(_ name: String, with source: URL) throws {
            let target = directory.appendingPathComponent(name)
            // The same file (also through a symlink): nothing to copy, and removing the target would lose it.
            if source.resolvingSymlinksInPath().standardizedFileURL == target.resolvingSymlinksInPath().standardizedFileURL { return }
            // Copied under a temporary name first: the target is only replaced by a complete copy.
            let staged = directory.appendingPathComponent(".\(name).partial")
            try? fm.removeItem(at: staged)
            try fm.copyItem(at: source, to: staged)
            try? fm.removeItem(at: target)
            try fm.moveItem(at: staged, to: target)
        }
        try replace("vocab.txt", with: vocabulary)
        if let answers { try replace("answers.txt", with: answers) }
        let final = directory.appendingPathComponent("model.safetensors")
        try? fm.removeItem(at: final)
        try fm.moveItem(at: partial, to: final)
    }

    /// Reads a vocabulary file's tokens, one a line, by the rules the model loader applies
    /// (``WordPieceVocabulary/init(contentsOf:)``), so that no converted model carries a vocabulary
    /// it would then refuse.
    public static func readVocabulary(_ url: URL) throws(WordPieceVocabularyError) -> [String] {
        do { return try WordPieceVocabulary(contentsOf: url).tokens } catch let error as WordPieceVocabularyError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
    }
}
