import Foundation
import Testing

/// `litevl convert` on real torch.save files, then the converted model through `litevl ask`.
@Suite("litevl convert")
struct ConvertTests {
    static let fixtures = CLI.repoRoot.appendingPathComponent("Tests/LiteVLTests/Fixtures/checkpoints")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    @Test("convert a BLIP checkpoint, then ask with --pooling off --answers --json")
    func convertThenAsk() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["convert", Self.fixture("blip_image.pth"), "--out", out.path, "--heads", "2", "--image-size", "32",
                             "--frames", "4", "--vocab", Self.fixture("vocab.txt"), "--answers", Self.fixture("answers.txt")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("pos_embed resampled from 4x4 to 2x2"))
        for file in ["model.safetensors", "config.json", "vocab.txt", "answers.txt"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let ask = try CLI.run(["ask", CLI.clip("bikes.mp4"), "what color is the square?", "--model", out.path, "--pooling", "off",
                               "--answers", Self.fixture("answers.txt"), "--json", "--top", "6"])
        #expect(ask.status == 0, "\(ask.stderr)")
        let answer = try #require((ask.json?["answers"] as? [[String: Any]])?.first)
        let top = try #require(answer["top"] as? [[String: Any]])
        #expect(Set(top.map { $0["answer"] as! String }) == ["red", "blue", "yes", "no", "left", "the red square"])
        #expect(top.allSatisfy { ($0["score"] as? Double).map { $0.isFinite && $0 < 0 } ?? false })
        #expect((ask.json?["scales"] as? [Double]) == [0, 0])
        // Converting again into the folder, the vocabulary taken from it through a symlink and no
        // --answers: the model stays whole (the vocabulary is not deleted), the kept list is announced.
        let link = out.deletingLastPathComponent().appendingPathComponent("link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: out)
        defer { try? FileManager.default.removeItem(at: link) }
        let again = try CLI.run(["convert", Self.fixture("blip_image.pth"), "--out", out.path, "--heads", "2", "--image-size", "32",
                                 "--frames", "4", "--vocab", link.appendingPathComponent("vocab.txt").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("kept the answers.txt already in"), "\(again.stderr)")
        let inspect = try CLI.run(["inspect", "--model", out.path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
    }

    @Test("bad checkpoints fail with one line and exit code 2, writing nothing", arguments: [
        ("evil_os_system.pth", "it names the Python global os.system, which a checkpoint of weights never needs"),
        ("evil_truncated.pth", "truncated"),
        ("mixed_storage.pth", "holds no BLIP tensors"),
        ("missing.pth", "checkpoint not found"),
    ])
    func refused(file: String, message: String) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["convert", Self.fixture(file), "--out", out.path, "--heads", "2", "--vocab", Self.fixture("vocab.txt")])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("litevl: ") && r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    }

    @Test("a checkpoint without an answer decoder, or with a vocabulary that does not fit, is refused with an explanation")
    func retrievalAndVocabulary() throws {
        let out = "/tmp/never-\(UUID().uuidString)"
        let r = try CLI.run(["convert", Self.fixture("blip_retrieval.pth"), "--out", out, "--heads", "2", "--vocab", Self.fixture("vocab.txt")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("has no text_decoder: it is a retrieval or pre-training checkpoint"), "\(r.stderr)")
        // Without --vocab the bundled bert-base-uncased vocabulary (30,522 tokens) is used, which does not fit 300 rows.
        let v = try CLI.run(["convert", Self.fixture("blip_image.pth"), "--out", out, "--heads", "2"])
        #expect(v.status == 2)
        #expect(v.stderr.contains("the vocabulary has 30522 tokens but the checkpoint's word embeddings have 300 rows"), "\(v.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
