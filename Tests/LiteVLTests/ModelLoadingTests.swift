import Foundation
import Testing
@testable import LiteVL

/// Damaged model files give a clear error naming the file and the tensor, never a crash.
@Suite("Loading models and refusing damaged ones")
struct ModelLoadingTests {
    static let fixture = ParityFixture.directory.appendingPathComponent("tiny_dynamic")

    /// A fresh model directory with the tiny fixture's config and weights, modified by `edit`.
    func modelDirectory(_ edit: (URL) throws -> Void = { _ in }) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try edit(dir)
        return dir
    }

    func loadError(_ dir: URL) -> ModelError? {
        defer { try? FileManager.default.removeItem(at: dir) }
        do { _ = try LiteVLModel.load(directory: dir); return nil } catch { return error }
    }

    @Test("an intact model directory loads")
    func intact() throws {
        #expect(loadError(try modelDirectory()) == nil)
    }

    @Test("a truncated weights file names the file and the tensor past the end")
    func truncated() throws {
        let dir = try modelDirectory { d in
            let url = d.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 2).write(to: url)
        }
        let error = try #require(loadError(dir))
        #expect(error.description.contains("model.safetensors"))
        #expect(error.description.contains("points outside the file"))
    }

    @Test("garbage instead of a header is refused", arguments: [Data(), Data([1, 2, 3]), Data(repeating: 0xFF, count: 64),
                                                               Data("not a safetensors file at all".utf8)])
    func badHeader(_ bytes: Data) throws {
        let dir = try modelDirectory { d in try bytes.write(to: d.appendingPathComponent("model.safetensors")) }
        let error = try #require(loadError(dir))
        guard case .badWeightsFile(let path, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(path.hasSuffix("model.safetensors"))
    }

    @Test("a header claiming 10^12 elements is refused before any allocation")
    func absurdShape() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}}"#
        var data = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("absurd-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelError.self) { try SafeTensorsFile(path: url.path) }
    }

    @Test("a config that contradicts the weights names the mis-shaped tensor")
    func wrongShape() throws {
        let dir = try modelDirectory { d in
            let url = d.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var vision = json["vision"] as! [String: Any]
            vision["mlp_dim"] = (vision["mlp_dim"] as! Int) * 2
            json["vision"] = vision
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        let error = try #require(loadError(dir))
        guard case .wrongShape(_, let name, _, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(name == "visual_encoder.blocks.0.mlp.fc1.weight")
    }

    @Test("a config with an extra layer names the missing tensor")
    func missingTensor() throws {
        let dir = try modelDirectory { d in
            let url = d.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var text = json["decoder"] as! [String: Any]
            text["layers"] = (text["layers"] as! Int) + 1
            json["decoder"] = text
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        let error = try #require(loadError(dir))
        guard case .missingTensor(_, let name) = error else { Issue.record("unexpected \(error)"); return }
        #expect(name.hasPrefix("text_decoder.bert.encoder.layer.2."))
    }

    @Test("weights the config does not use are named")
    func unexpected() throws {
        let dir = try modelDirectory { d in
            let url = d.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var vision = json["vision"] as! [String: Any]
            vision["temporal"] = "fixed"
            json["vision"] = vision
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        let error = try #require(loadError(dir))
        guard case .unexpectedTensors(_, let names) = error else { Issue.record("unexpected \(error)"); return }
        #expect(names.allSatisfy { $0.contains("temporal_scaling") })
    }

    @Test("a weights file with an integer tensor where floats belong names its dtype")
    func wrongDType() throws {
        let dir = try modelDirectory { d in
            let url = d.appendingPathComponent("model.safetensors")
            let file = try SafeTensorsFile(path: url.path)
            var tensors: [String: Tensor] = [:]
            for name in file.entries.keys { tensors[name] = try file.tensor(name) }
            try SafeTensorsFile.write(tensors, to: url)
            // Rewrite one dtype in the header in place: F32 -> I32 keeps every size valid.
            var data = try Data(contentsOf: url)
            let header = String(decoding: data[8..<min(data.count, 8 + 40_000)], as: UTF8.self)
            let key = #""visual_encoder.norm.weight":{"data_offsets""#
            guard let range = header.range(of: key) else { Issue.record("header layout changed"); return }
            let tail = header[range.upperBound...]
            let dtype = tail.range(of: #""dtype":"F32""#)!
            let offset = 8 + header.utf8.distance(from: header.startIndex, to: dtype.lowerBound) + #""dtype":""#.utf8.count
            data.replaceSubrange(offset..<(offset + 3), with: Data("I32".utf8))
            try data.write(to: url)
        }
        let error = try #require(loadError(dir))
        guard case .unsupportedDType(_, let name, let dtype) = error else { Issue.record("unexpected \(error)"); return }
        #expect(name == "visual_encoder.norm.weight")
        #expect(dtype == "I32")
    }

    @Test("missing and malformed config.json are named", arguments: ["", "{", "{\"vision\": 3}", "[]"])
    func badConfig(_ text: String) throws {
        let dir = try modelDirectory { d in try Data(text.utf8).write(to: d.appendingPathComponent("config.json")) }
        let error = try #require(loadError(dir))
        guard case .badConfig(let path, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(path.hasSuffix("config.json"))
    }

    @Test("a missing model directory says so")
    func missingDirectory() {
        let error = loadError(URL(fileURLWithPath: "/nonexistent/litevl-model"))
        #expect(error?.description.contains("/nonexistent/litevl-model") == true)
    }

    @Test("float16 and bfloat16 weights are widened exactly")
    func halfPrecision() throws {
        // Values exactly representable in both formats.
        let values: [Float] = [0, 1, -2, 0.5, 1024, -0.125]
        var data = Data()
        let header = #"{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[6],"data_offsets":[12,24]}}"#
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        for v in values { var bits = Float16(v).bitPattern.littleEndian; withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) } }
        for v in values { var bits = UInt16(v.bitPattern >> 16).littleEndian; withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) } }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("half-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafeTensorsFile(path: url.path)
        #expect(Array(try file.floats("h").buffer) == values)
        #expect(Array(try file.floats("b").buffer) == values)
    }
}
