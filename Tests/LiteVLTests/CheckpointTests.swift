import Foundation
import Testing
@testable import LiteVL

/// Reading PyTorch checkpoints (torch.save files written by Training/make_checkpoint_fixtures.py)
/// and converting BLIP checkpoints into engine models.
@Suite("PyTorch checkpoints")
struct CheckpointTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoints")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    static var vocabulary: [String] { try! CheckpointConverter.readVocabulary(directory.appendingPathComponent("vocab.txt")) }

    static func maxAbs(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count)")
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test("strided views, shared storages and float16/bfloat16/float64/int64 storages read exactly")
    func mixedStorage() throws {
        let ckpt = try TorchCheckpoint(path: Self.path("mixed_storage.pth"))
        let (location, tensors) = try ckpt.stateDict()
        #expect(location == "(top level)")
        let expected = Self.expected["b"] as! [String: [String: Any]]
        #expect(tensors.map(\.name) == ["half", "bf16", "double", "long", "transposed", "shared_a", "shared_b", "scalar"])
        for (name, t) in tensors {
            let e = try #require(expected[name])
            #expect(t.shape == (e["shape"] as! [Int]), "\(name)")
            #expect(t.strides == (e["stride"] as! [Int]), "\(name)")
            #expect(t.reference.offset == (e["offset"] as! Int), "\(name)")
            // (Foundation's JSON parser may miss the last bit of a double: compare to 1e-12.)
            let values = (e["values"] as! [NSNumber]).map(\.doubleValue)
            #expect(zip(t.doubles(), values).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) } && t.count == values.count, "\(name)")
            #expect(zip(t.floats(), values).allSatisfy { abs(Double($0) - $1) <= 1e-7 * max(1, abs($1)) }, "\(name)")
        }
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        #expect(byName["half"]!.dtype == .float16 && byName["bf16"]!.dtype == .bfloat16 && byName["double"]!.dtype == .float64 && byName["long"]!.dtype == .int64)
        #expect(byName["shared_a"]!.reference.storage == byName["shared_b"]!.reference.storage)
        #expect(!byName["transposed"]!.reference.isContiguous && byName["shared_a"]!.reference.isContiguous)
        #expect(byName["scalar"]!.shape == [] && byName["scalar"]!.floats() == [1.5])
    }

    @Test("a BLIP training checkpoint: the state dict under 'model' next to optimizer, epoch and config")
    func blipImage() throws {
        let ckpt = try TorchCheckpoint(path: Self.path("blip_image.pth"))
        #expect(ckpt.prefix == "blip_image")
        let top = try #require(ckpt.root.dict)
        #expect(top.stringKeys == ["model", "optimizer", "epoch", "config"])
        #expect(top["epoch"]?.int == 3)
        #expect(top["config"]?.dict?["inference"]?.string == "rank")
        let (location, tensors) = try ckpt.stateDict()
        #expect(location == "model")
        let a = Self.expected["a"] as! [String: Any]
        let names = Set(tensors.map(\.name))
        #expect(names == Set(a["image_keys"] as! [String]).union(a["dropped"] as! [String]))
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        let ids = try #require(byName["text_encoder.embeddings.position_ids"])
        #expect(ids.dtype == .int64 && ids.shape == [1, 40] && ids.strides == [40, 1] && ids.doubles() == (0..<40).map(Double.init))
        // The decoder bias copy shares the storage of cls.predictions.bias, as BLIP's tie does.
        #expect(byName["text_decoder.cls.predictions.decoder.bias"]!.reference == byName["text_decoder.cls.predictions.bias"]!.reference)
        let dropped = names.filter { CheckpointConverter.dropReason($0) != nil }
        #expect(dropped == Set(a["dropped"] as! [String]))
    }

    @Test("a LiteVL checkpoint in pickle protocol 4 under 'state_dict' keeps its temporal tensors")
    func liteVL() throws {
        let ckpt = try TorchCheckpoint(path: Self.path("litevl.pth"))
        let (location, tensors) = try ckpt.stateDict()
        #expect(location == "state_dict")
        #expect(tensors.map(\.name).sorted() == (Self.expected["c"] as! [String: Any])["keys"] as! [String])
        var options = CheckpointConverter.Options()
        options.heads = 2
        let plan = try CheckpointConverter(checkpoint: ckpt).plan(options: options, vocabulary: Self.vocabulary)
        #expect(plan.sourceTemporal == .dynamic && plan.config.vision.temporal == .dynamic && plan.added.isEmpty)
        #expect(plan.config.vision.numFrames == 4 && plan.config.vision.imageSize == 64)
        let stored = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        for name in ["visual_encoder.temporal_embed", "visual_encoder.blocks.1.temporal_scaling.weight", "visual_encoder.blocks.0.temporal_attn.qkv.weight"] {
            #expect(plan.tensors[name]!.tensor().data == stored[name]!.floats(), "\(name)")
        }
        // Asking for less than the checkpoint has drops the branch; asking for more is refused.
        options.temporal = LiteVLConfig.TemporalMode.none
        let none = try CheckpointConverter(checkpoint: ckpt).plan(options: options, vocabulary: Self.vocabulary)
        let leftover = none.tensors.keys.filter { $0.contains("temporal") }
        #expect(leftover.isEmpty, "\(leftover)")
        options.temporal = nil
        options.frames = 8
        #expect(throws: CheckpointError.self) { try CheckpointConverter(checkpoint: ckpt).plan(options: options, vocabulary: Self.vocabulary) }
    }

    @Test("BLIP → LiteVL: kept names unchanged, pos_embed resampled like interpolate_pos_embed, temporal branch initialised", arguments: [32, 96])
    func conversion(size: Int) throws {
        let ckpt = try TorchCheckpoint(path: Self.path("blip_image.pth"))
        var options = CheckpointConverter.Options()
        options.heads = 2
        options.imageSize = size
        options.frames = 4
        let plan = try CheckpointConverter(checkpoint: ckpt).plan(options: options, vocabulary: Self.vocabulary)
        let c = plan.config
        #expect(c.vision.width == 32 && c.vision.depth == 2 && c.vision.patchSize == 16 && c.vision.mlpDim == 64 && c.vision.imageSize == size)
        #expect(c.text.vocabSize == 300 && c.text.layers == 2 && c.text.maxPositions == 40 && c.decoder.intermediate == 64 && c.embedDim == 16)
        #expect(c.specialTokens.dec == 298 && c.specialTokens.enc == 299 && c.specialTokens.cls == 101)
        #expect(plan.resampledGrid?.from == 4 && plan.resampledGrid?.to == size / 16)
        let reference = try SafeTensorsFile(path: Self.path("expected.safetensors"))
        let pos = plan.tensors["visual_encoder.pos_embed"]!.tensor()
        let expectedPos = try reference.tensor("pos_embed_\(size)")
        #expect(pos.shape == expectedPos.shape)
        #expect(Self.maxAbs(pos.data, expectedPos.data) < 1e-6)
        let stored = Dictionary(uniqueKeysWithValues: try ckpt.stateDict().tensors.map { ($0.name, $0.tensor) })
        for name in (Self.expected["a"] as! [String: Any])["image_keys"] as! [String] where name != "visual_encoder.pos_embed" {
            #expect(plan.tensors[name]?.tensor().data == stored[name]!.floats(), "\(name)")
        }
        #expect(Set(plan.dropped) == Set((Self.expected["a"] as! [String: Any])["dropped"] as! [String]))
        for l in 0..<2 {
            let p = "visual_encoder.blocks.\(l)."
            for (to, from) in [("temporal_norm.weight", "norm1.weight"), ("temporal_attn.qkv.weight", "attn.qkv.weight"), ("temporal_attn.proj.bias", "attn.proj.bias")] {
                #expect(plan.tensors[p + to]!.tensor().data == stored[p + from]!.floats())
            }
            #expect(plan.tensors[p + "temporal_scaling.weight"]!.tensor() == Tensor(zeros: [1, 32]))
            #expect(plan.tensors[p + "temporal_scaling.bias"]!.tensor() == Tensor(zeros: [1]))
        }
        #expect(plan.tensors["visual_encoder.temporal_embed"]!.tensor() == Tensor(zeros: [1, 4, 32]))
    }

    @Test("the converted model answers like the reference, which equals BLIP's zero-shot video recipe")
    func convertedModelMatchesReference() throws {
        let vqa = Self.expected["vqa"] as! [String: Any]
        let size = vqa["image_size"] as! Int
        var options = CheckpointConverter.Options()
        options.heads = 2
        options.imageSize = size
        options.frames = 4
        options.pooling = false
        let plan = try CheckpointConverter(checkpoint: TorchCheckpoint(path: Self.path("blip_image.pth"))).plan(options: options, vocabulary: Self.vocabulary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try CheckpointConverter.write(plan, to: dir, vocabulary: Self.directory.appendingPathComponent("vocab.txt"), answers: nil)
        let model = try LiteVLModel.load(directory: dir)
        #expect(model.config.vision.temporal == .dynamic && !model.config.pooling.enabled)
        let video = WeightRecipe.materialize(.init(name: "video", shape: [4, 3, size, size], seed: UInt64(vqa["video_seed"] as! Int), scale: 1, offset: 0))
        let encoded = model.encode(video: video)
        let reference = try SafeTensorsFile(path: Self.path("expected.safetensors"))
        #expect(Self.maxAbs(encoded.features.data, try reference.tensor("video_features_96").data) < 1e-4)
        #expect(encoded.scales == [0, 0])
        let questions = vqa["questions"] as! [[Int]], answers = vqa["answers"] as! [[Int]]
        let scores = vqa["scores"] as! [[Double]], best = vqa["best"] as! [Int]
        for (q, ids) in questions.enumerated() {
            var enc = ids
            enc[0] = model.config.specialTokens.enc
            let states = model.encodeQuestion(ids: enc, memory: model.memory(encoded, pooling: nil)).states
            #expect(Self.maxAbs(states.data, try reference.tensor("question_states_\(q)").data) < 1e-4)
            let ranked = model.decoder.rank(candidates: answers, memory: model.decoder.memory(questionStates: states), k: 128)
            #expect(ranked.first?.index == best[q])
            for r in ranked { #expect(abs(r.score - scores[q][r.index]) < 1e-4 * max(1, abs(scores[q][r.index])), "q\(q) c\(r.index)") }
        }
    }

    @Test("hostile and damaged files are refused with a named reason, and nothing runs", arguments: [
        ("evil_os_system.pth", "it names the Python global os.system, which a checkpoint of weights never needs"),
        ("evil_eval.pth", "it names the Python global builtins.eval"),
        ("evil_popen.pth", "it names the Python global subprocess.Popen"),
        ("evil_inst.pth", "uses the opcode INST"),
        ("evil_traversal.pth", "holds an entry named ../../evil"),
        ("evil_short_storage.pth", "needs 6 elements of 4 bytes, but its entry holds only 12 bytes"),
        ("evil_deflated.pth", "is deflate-compressed"),
        ("evil_declared_size.pth", "declares 4294967280 bytes"),
        ("evil_huge_tensor.pth", "needs 1000000000000 elements"),
        ("evil_stride.pth", "beyond the storage's 6 elements"),
        ("evil_truncated.pth", "the file is truncated"),
    ])
    func refused(file: String, message: String) throws {
        let marker = Self.expected["marker"] as! String
        try? FileManager.default.removeItem(atPath: marker)
        do {
            let ckpt = try TorchCheckpoint(path: Self.path(file))
            Issue.record("\(file) was accepted: \(ckpt.root)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.contains(file))
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("other opcodes, globals and calls are refused by name")
    func pickleRules() throws {
        func load(_ bytes: [UInt8]) throws(CheckpointError) -> PickleValue {
            let pickle = Pickle(path: "x.pth") { (_: PickleValue) throws(CheckpointError) -> PickleValue in .none }
            var out: Result<PickleValue, CheckpointError>!
            bytes.withUnsafeBytes { b in out = Result { () throws(CheckpointError) -> PickleValue in try pickle.load(b) } }
            return try out.get()
        }
        #expect(throws: CheckpointError.badPickle(path: "x.pth", reason: "its pickle calls torch.FloatStorage, which a checkpoint of weights never needs")) {
            try load([0x80, 0x02] + Array("ctorch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2e])
        }
        #expect(throws: CheckpointError.forbiddenOpcode(path: "x.pth", opcode: "NEWOBJ", offset: 2)) { try load([0x80, 0x02, 0x81, 0x2e]) }
        #expect(throws: CheckpointError.forbiddenOpcode(path: "x.pth", opcode: "EMPTY_SET", offset: 2)) { try load([0x80, 0x04, 0x8f, 0x2e]) }
        #expect(throws: CheckpointError.forbiddenGlobal(path: "x.pth", global: "torch.load")) { try load([0x80, 0x02] + Array("ctorch\nload\n.".utf8)) }
        let value = try load([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x61, 0x8a, 0x02, 0xff, 0xff, 0x73, 0x2e]) // {'a': -1}
        #expect(value.dict?["a"]?.int == -1)
    }

    @Test("bicubic resampling matches torch's interpolate on a known grid")
    func bicubic() {
        // torch: F.interpolate(torch.arange(4.).reshape(1,1,2,2), size=(3,3), mode="bicubic", align_corners=False)
        let out = PositionEmbeddingResampler.bicubic([0, 1, 2, 3], channels: 1, input: 2, output: 3)
        let torch: [Float] = [-0.26041680574417114, 0.326388955116272, 0.9131944179534912, 0.9131947159767151, 1.5, 2.086805820465088,
                              2.086805820465088, 2.6736109256744385, 3.2604169845581055]
        #expect(Self.maxAbs(out, torch) < 1e-6)
    }
}
