import Foundation
import LiteVL
import Testing

/// `--precision f32|bf16` through the real binary: the bundled model's answers on the demo
/// manifest in bfloat16 against float32, the fallback when bfloat16 is unavailable
/// (`LITEVL_NO_BF16=1` in the child's environment, so it works on any CPU), and the bench header.
@Suite("--precision", .serialized)
struct PrecisionTests {
    static let clips = CLI.repoRoot.appendingPathComponent("Assets/clips")

    /// The predictions of `eval` over the demo manifest, one per question, in manifest order.
    static func predictions(_ extra: [String]) throws -> (predictions: [String], accuracy: Double) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-pred-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["eval", clips.appendingPathComponent("demo.jsonl").path, "--json", "--predictions", out.path] + extra, timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let keyed = objects.map { ("\($0["video"] ?? "") \($0["question"] ?? "")", $0["prediction"] as? String ?? "") }.sorted { $0.0 < $1.0 }
        return (keyed.map(\.1), r.json?["accuracy"] as? Double ?? -1)
    }

    @Test("bf16 gives the bundled model's float32 answers on the demo manifest",
          .enabled(if: BF16.isSupported, "this CPU has no AVX512_BF16"))
    func demoAgreement() throws {
        let f32 = try Self.predictions([])
        let bf16 = try Self.predictions(["--precision", "bf16"])
        #expect(f32.predictions.count == 20 && bf16.predictions.count == 20)
        let agree = zip(f32.predictions, bf16.predictions).filter { $0 == $1 }.count
        #expect(agree == 20, "bf16 agrees with f32 on \(agree) of 20: \(f32.predictions) vs \(bf16.predictions)")
        #expect(abs(f32.accuracy - bf16.accuracy) < 1e-9)
    }

    @Test("without bf16 support, --precision bf16 says so and answers exactly as f32")
    func fallback() throws {
        let clip = Self.clips.appendingPathComponent("demo_appear.mp4").path
        let question = "how many objects are there?"
        let f32 = try CLI.run(["ask", clip, question, "--json"])
        let forced = try CLI.run(["ask", clip, question, "--json", "--precision", "bf16"], environment: ["LITEVL_NO_BF16": "1"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("running in f32"), "\(forced.stderr)")
        #expect(!f32.stderr.contains("running in f32"))
        // The JSON says what ran, not what was asked for.
        #expect(f32.json?["precision"] as? String == "f32" && forced.json?["precision"] as? String == "f32")
        let a = (f32.json?["answers"] as? [[String: Any]])?.first, b = (forced.json?["answers"] as? [[String: Any]])?.first
        #expect(a?["answer"] as? String == b?["answer"] as? String)
        let sa = (a?["top"] as? [[String: Any]])?.compactMap { $0["score"] as? Double }
        let sb = (b?["top"] as? [[String: Any]])?.compactMap { $0["score"] as? Double }
        #expect(sa != nil && sa == sb, "scores differ: \(String(describing: sa)) vs \(String(describing: sb))")
    }

    @Test("an unknown precision is a flag error")
    func badValue() throws {
        let r = try CLI.run(["ask", Self.clips.appendingPathComponent("demo_appear.mp4").path, "q?", "--precision", "f16"])
        #expect(r.status == 64, "\(r.stderr)")
    }

    @Test("bench prints the precision and, in bf16, the bf16 GEMM peak next to sgemm's")
    func benchHeader() throws {
        let r = try CLI.run(["bench", "--precision", "bf16", "--repetitions", "1"], timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        if BF16.isSupported {
            #expect(r.stdout.contains("precision: bf16"), "\(r.stdout)")
            #expect(r.stdout.contains("bf16 GEMM peak"), "\(r.stdout)")
        } else {
            #expect(r.stdout.contains("precision: f32 (bf16 requested"), "\(r.stdout)")
        }
    }
}
