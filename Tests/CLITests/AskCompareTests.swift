import Foundation
import Testing

/// `litevl ask --baseline DIR` (both models' answers) and "where is the answer" (frames ranked by
/// pooling weight and attention, with timestamps) in `ask --json`.
@Suite("ask: baseline comparison and where the answer is")
struct AskCompareTests {
    static let clip = CLI.repoRoot.appendingPathComponent("Assets/clips/demo_motion.mp4").path

    static func checkEvidence(_ evidence: [[String: Any]]?, frames: [[String: Any]]) throws {
        let e = try #require(evidence)
        #expect(e.count == frames.count)
        #expect(Set(e.compactMap { $0["frame"] as? Int }) == Set(0..<frames.count))
        let weights = e.compactMap { $0["pooling_weight"] as? Double }
        #expect(weights.count == e.count && weights == weights.sorted(by: >), "ranked by pooling weight")
        #expect(abs(weights.reduce(0, +) - 1) < 1e-4)
        let attention = e.compactMap { $0["attention"] as? Double }
        #expect(attention.count == e.count && abs(attention.reduce(0, +) - 1) < 1e-4)
        for x in e {
            let i = x["frame"] as! Int
            #expect(x["timestamp"] as? Double == frames[i]["timestamp"] as? Double)
        }
    }

    @Test("JSON gives both models' answers and top candidates, and the evidence frames of each")
    func baselineJSON() throws {
        let r = try CLI.run(["ask", Self.clip, "what color is the square?", "how many objects are there?", "--model", CLI.randomModel.path,
                             "--baseline", CLI.randomBaselineModel.path, "--json", "--top", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["baseline_model"] as? String == "random-notemp")
        let frames = try #require(json["frames"] as? [[String: Any]])
        let answers = try #require(json["answers"] as? [[String: Any]])
        #expect(answers.count == 2)
        for a in answers {
            #expect(randomAnswers.contains(a["answer"] as? String ?? ""))
            try Self.checkEvidence(a["evidence"] as? [[String: Any]], frames: frames)
            let b = try #require(a["baseline"] as? [String: Any])
            #expect(b["model"] as? String == "random-notemp")
            #expect(randomAnswers.contains(b["answer"] as? String ?? ""))
            #expect((b["top"] as? [[String: Any]])?.count == 3)
            try Self.checkEvidence(b["evidence"] as? [[String: Any]], frames: frames)
        }
    }

    @Test("text output has a B: line per question; a missing baseline is a model error (exit 2)")
    func baselineText() throws {
        let r = try CLI.run(["ask", Self.clip, "what color is the square?", "--model", CLI.randomModel.path, "--baseline", CLI.randomBaselineModel.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("B: ") && r.stdout.contains("random-notemp"), "\(r.stdout)")
        let missing = try CLI.run(["ask", Self.clip, "what?", "--model", CLI.randomModel.path, "--baseline", "/nonexistent/notemp"])
        #expect(missing.status == 2 && missing.stderr.contains("baseline model not found: /nonexistent/notemp"), "\(missing.stderr)")
    }
}
