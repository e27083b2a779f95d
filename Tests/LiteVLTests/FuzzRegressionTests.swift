import Foundation
import Testing
@testable import LiteVL

/// Inputs from fuzzing (Fuzz/, scripts/fuzz.sh, docs/reliability.md): every crash reproducer in
/// Fuzz/crashes/<target>/ and every seed in Fuzz/corpus/<target>/ goes through the same code as
/// its fuzz target and must give a result or a clean error, never a crash.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// The files of Fuzz/<kind>/<target>/ (README files aside).
    static func inputs(_ kind: String, _ target: String) -> [URL] {
        let dir = fuzz.appendingPathComponent(kind).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { dir.appendingPathComponent($0) }
    }
    static func all(_ target: String) -> [URL] { inputs("crashes", target) + inputs("corpus", target) }

    /// The unpickler as the pickle fuzz target runs it.
    static func unpickle(_ bytes: [UInt8]) throws -> PickleValue {
        let unpickler = Pickle(path: "data.pkl") { (pid: PickleValue) throws(CheckpointError) -> PickleValue in
            guard case let .tuple(t) = pid, t.count == 5, case let .global(type) = t[1], let key = t[2].string,
                  let count = t[4].int, count >= 0, let dtype = StorageDType(rawValue: String(type.dropFirst("torch.".count))) else {
                throw .badPickle(path: "data.pkl", reason: "bad persistent id")
            }
            return .storage(StorageReference(dtype: dtype, key: key, count: count))
        }
        return try bytes.withUnsafeBytes { raw in try unpickler.load(raw) }
    }

    static func badPickleReason(_ bytes: [UInt8]) -> String? {
        do { _ = try unpickle(bytes); return nil } catch {
            if case let .badPickle(_, reason)? = error as? CheckpointError { return reason }
            return "\(error)"
        }
    }

    @Test("the committed reproducers and seeds exist")
    func inputsExist() {
        #expect(Self.inputs("crashes", "pickle").count >= 2)
        for target in ["safetensors", "checkpoint", "pickle", "config", "tokenizer"] {
            #expect(!Self.inputs("corpus", target).isEmpty, "no seeds in Fuzz/corpus/\(target)")
        }
    }

    // MARK: - Crashes found by fuzzing

    @Test("deeply nested tuples (64 KB of TUPLE1) are refused instead of overflowing the stack when released")
    func deepTupleNesting() throws {
        let reproducer = try [UInt8](Data(contentsOf: Self.fuzz.appendingPathComponent("crashes/pickle/crash-deep-tuple-nesting.pkl")))
        #expect(Self.badPickleReason(reproducer)?.contains("nests values more than \(Pickle.maxNesting) deep") == true)
        // Nesting through lists (EMPTY_LIST ×N, APPEND ×N-1) and dicts, far deeper than a 64 KB input.
        let n = 200_000
        let lists: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x5d, count: n) + [UInt8](repeating: 0x61, count: n - 1) + [0x2e]
        #expect(Self.badPickleReason(lists)?.contains("deep") == true)
        let tuples: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: n) + [0x2e]
        #expect(Self.badPickleReason(tuples)?.contains("deep") == true)
        // The limit leaves room: 60 levels load.
        let fine: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 59) + [0x2e]
        #expect(Self.badPickleReason(fine) == nil)
    }

    @Test("a dict set into itself (a reference cycle that leaked) is refused")
    func selfReferencingDict() throws {
        for url in Self.inputs("crashes", "pickle") where url.lastPathComponent.hasPrefix("leak-") {
            let bytes = try [UInt8](Data(contentsOf: url))
            #expect(Self.badPickleReason(bytes)?.contains("changes a list or dict after using it") == true, "\(url.lastPathComponent)")
        }
        // d = {}; d[d] = d  and  l = []; l.append(l)  and  a = []; b = [a]; a.append(b)
        let dict: [UInt8] = [0x80, 0x02, 0x7d, 0x71, 0x00, 0x68, 0x00, 0x68, 0x00, 0x73, 0x2e]
        let list: [UInt8] = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]
        let pair: [UInt8] = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x5d, 0x68, 0x00, 0x61, 0x71, 0x01, 0x30, 0x68, 0x00, 0x68, 0x01, 0x61, 0x2e]
        for bytes in [dict, list, pair] {
            #expect(Self.badPickleReason(bytes)?.contains("changes a list or dict after using it") == true)
        }
    }

    // MARK: - Every committed input, through each target's code

    @Test("pickle reproducers and seeds give a value or a CheckpointError")
    func pickleInputs() throws {
        for url in Self.all("pickle") { _ = Self.badPickleReason(try [UInt8](Data(contentsOf: url))) }
    }

    @Test("checkpoint reproducers and seeds open or give a CheckpointError")
    func checkpointInputs() {
        for url in Self.all("checkpoint") {
            do {
                let checkpoint = try TorchCheckpoint(path: url.path)
                for (_, tensor) in try checkpoint.stateDict().tensors where tensor.count <= 1 << 22 { _ = tensor.floats() }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("safetensors reproducers and seeds open or give a ModelError")
    func safetensorsInputs() {
        for url in Self.all("safetensors") {
            do {
                let file = try SafeTensorsFile(path: url.path)
                for name in file.entries.keys.sorted() { _ = try? file.floats(name); _ = try? file.integers(name) }
            } catch {
                #expect(!"\(error)".isEmpty)
            }
        }
    }

    @Test("config reproducers and seeds load or give a ModelError; an empty config.json is a clean error")
    func configInputs() throws {
        for url in Self.all("config") {
            if let config = try? LiteVLConfig.load(from: url) { #expect(config.validationProblem == nil) }
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-fuzz-empty-\(getpid()).json")
        try Data().write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: ModelError.self) { try LiteVLConfig.load(from: empty) }
    }

    @Test("tokenizer reproducers and seeds tokenize within bounds")
    func tokenizerInputs() throws {
        let vocab = Self.fuzz.deletingLastPathComponent().appendingPathComponent("Assets/vocab.txt")
        let tokenizer = try BertTokenizer(contentsOf: vocab)
        for url in Self.all("tokenizer") {
            let bytes = try [UInt8](Data(contentsOf: url))
            guard let mode = bytes.first else { continue }
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            let ids = tokenizer.encodeQuestion(text, for: mode % 2 == 0 ? .multimodal : .textOnly)
            #expect((2...BertTokenizer.questionMaxLength).contains(ids.count))
            _ = tokenizer.decode(tokenizer.tokenIDs(text))
        }
    }
}
