import Foundation
import Testing

/// The command line as scripts use it: JSON output, exit codes and one-line errors.
@Suite("litevl command line")
struct CLITests {
    @Test("ask --json answers every question from one encoding, with ranked candidates and timings")
    func askJSON() throws {
        let model = CLI.randomModel.path
        let r = try CLI.run(["ask", CLI.clip("bikes.mp4"), "what color is the square?", "is the red circle moving?", "--model", model, "--json", "--top", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let answers = try #require(json["answers"] as? [[String: Any]])
        #expect(answers.count == 2)
        let allowed = Set(["circle", "square", "triangle", "red", "green", "blue", "yellow", "yes", "no"])
        for a in answers {
            let top = try #require(a["top"] as? [[String: Any]])
            #expect(top.count == 3)
            #expect(allowed.contains(a["answer"] as! String))
            #expect(top.first?["answer"] as? String == a["answer"] as? String)
            let p = top.map { $0["probability"] as! Double }
            #expect(p == p.sorted(by: >))
            #expect((a["temporal_weights"] as? [Double])?.count == 4)
        }
        #expect((json["scales"] as? [Double])?.count == 2)
        #expect((json["frames"] as? [Any])?.count == 4)
        // Deterministic: the same run gives the same answers and scores.
        let again = try CLI.run(["ask", CLI.clip("bikes.mp4"), "what color is the square?", "is the red circle moving?", "--model", model, "--json", "--top", "3"])
        let a1 = answers.map { ($0["top"] as! [[String: Any]]).map { $0["score"] as! Double } }
        let a2 = (again.json!["answers"] as! [[String: Any]]).map { ($0["top"] as! [[String: Any]]).map { $0["score"] as! Double } }
        #expect(a1 == a2)
    }

    @Test("--answers replaces the candidate list and --pooling off drops the pooling weights")
    func answersFileAndPooling() throws {
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("answers-\(UUID().uuidString).txt")
        try "left\nright\nup\ndown\nnone\n".write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        let r = try CLI.run(["ask", CLI.clip("carphone_pristine.mp4"), "which way is the red circle moving?", "--model", CLI.randomModel.path,
                             "--answers", list.path, "--pooling", "off", "--json", "--top", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        let a = try #require((r.json?["answers"] as? [[String: Any]])?.first)
        #expect(Set((a["top"] as! [[String: Any]]).map { $0["answer"] as! String }) == ["left", "right", "up", "down", "none"])
        #expect(a["temporal_weights"] == nil)
    }

    @Test("eval reports accuracy per family in the documented JSON shape")
    func eval() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: CLI.clip("carphone_pristine.mp4"), toPath: dir.appendingPathComponent("c.mp4").path)
        let lines = [
            #"{"video": "c.mp4", "question": "is the red circle moving?", "answer": "yes", "family": "moving"}"#,
            #"{"video": "c.mp4", "question": "what color is the square?", "answer": "red", "family": "color"}"#,
            #"{"video": "c.mp4", "question": "what shape is the blue object?", "answer": "circle"}"#,
        ]
        try lines.joined(separator: "\n").write(to: dir.appendingPathComponent("m.jsonl"), atomically: true, encoding: .utf8)
        let predictions = dir.appendingPathComponent("p.jsonl").path
        let r = try CLI.run(["eval", dir.appendingPathComponent("m.jsonl").path, "--model", CLI.randomModel.path, "--json", "--predictions", predictions])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["count"] as? Int == 3)
        let families = try #require(json["families"] as? [String: [String: Any]])
        #expect(Set(families.keys) == ["moving", "color", "all"])
        let written = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(written.count == 3)
        let correct = written.filter { $0.contains("\"correct\":true") }.count
        #expect(abs((json["accuracy"] as! Double) - Double(correct) / 3) < 1e-9)
    }

    @Test("bad inputs give one line on stderr and a non-zero exit", arguments: [
        (["ask", "/nonexistent/clip.mp4", "what?"], "/nonexistent/clip.mp4"),
        (["ask", "{CLIP}", "what?", "--model", "/nonexistent/model"], "/nonexistent/model"),
        (["ask", "{CLIP}", "   ", "--model", "{MODEL}"], "question is empty"),
        (["ask", "{CLIP}", "what?", "--model", "{MODEL}", "--answers", "/nonexistent/answers.txt"], "/nonexistent/answers.txt"),
        (["eval", "/nonexistent/m.jsonl", "--model", "{MODEL}"], "/nonexistent/m.jsonl"),
        (["probe", "/nonexistent/clip.mp4"], "/nonexistent/clip.mp4"),
        (["ask", "{CLIP}", "what?", "--model", "{MODEL}", "--frames", "0"], "--frames"),
    ])
    func badInput(_ args: [String], _ mention: String) throws {
        let filled = args.map { $0.replacingOccurrences(of: "{CLIP}", with: CLI.clip("carphone_pristine.mp4"))
            .replacingOccurrences(of: "{MODEL}", with: CLI.randomModel.path) }
        let r = try CLI.run(filled)
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("litevl: "))
        #expect(r.stderr.contains(mention), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("a text file renamed .mp4 is refused with the file named")
    func notAVideo() throws {
        let fake = FileManager.default.temporaryDirectory.appendingPathComponent("fake-\(UUID().uuidString).mp4")
        try "this is not a video".write(to: fake, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: fake) }
        let r = try CLI.run(["ask", fake.path, "what?", "--model", CLI.randomModel.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(fake.path))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("inspect shows the model and the per-layer scaling for a clip")
    func inspect() throws {
        let r = try CLI.run(["inspect", CLI.clip("bikes.mp4"), "--model", CLI.randomModel.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["name"] as? String == "random-tiny")
        let scales = try #require(json["scales"] as? [Double])
        #expect(scales.count == 2)
        #expect(scales.allSatisfy { abs($0) < 1 })
        #expect(json["warnings"] as? [String] == [])
        // The config's tau as written (0.5), not a Float widened to Double's digits.
        #expect((json["pooling"] as? [String: Any])?["tau"] as? Double == 0.5)
    }

    @Test("inspect says why a model without a temporal branch shows no scaling, and that a model without answers generates")
    func inspectNoTemporal() throws {
        let r = try CLI.run(["inspect", CLI.clip("bikes.mp4"), "--model", CLI.randomBaselineModel.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("no temporal scaling for \(CLI.clip("bikes.mp4")): the model has no temporal branch (temporal none)"), "\(r.stdout)")
        #expect(r.stdout.contains("9 candidate answers"), "\(r.stdout)")
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-inspect-bare-\(getpid())")
        try? FileManager.default.removeItem(at: bare)
        try FileManager.default.copyItem(at: CLI.randomBaselineModel, to: bare)
        defer { try? FileManager.default.removeItem(at: bare) }
        try FileManager.default.removeItem(at: bare.appendingPathComponent("answers.txt"))
        let g = try CLI.run(["inspect", "--model", bare.path])
        #expect(g.status == 0 && g.stdout.contains("no answer list (answers are generated)"), "\(g.stdout)\(g.stderr)")
    }

    @Test("text output shows control characters of names as ^X: a model name and a file name cannot drive the terminal")
    func controlCharactersInOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-ctl-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model")
        try FileManager.default.copyItem(at: CLI.randomBaselineModel, to: model)
        let configURL = model.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["name"] = "evil\u{1B}[31mRED\u{07}\nsecond"
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let clip = dir.appendingPathComponent("esc\u{1B}[31mred\nline.mp4")
        try FileManager.default.copyItem(atPath: CLI.clip("carphone_pristine.mp4"), toPath: clip.path)
        for args in [["inspect", "--model", model.path], ["probe", clip.path],
                     ["ask", clip.path, "what is\nit?", "--model", CLI.randomModel.path, "--baseline", model.path]] {
            let r = try CLI.run(args)
            #expect(r.status == 0, "\(args[0]): \(r.stderr)")
            #expect(!r.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(args[0]): \(r.stdout.debugDescription)")
            #expect(r.stdout.contains("^[[31m"), "\(args[0]): \(r.stdout)")
            // A newline inside a name or a question stays on its line, shown as ^J.
            let lines = r.stdout.split(separator: "\n")
            #expect(!lines.contains { $0.hasPrefix("second") || $0.hasPrefix("line.mp4") || $0.hasPrefix("it?") }, "\(args[0]): \(r.stdout)")
            #expect(r.stdout.contains("^J"), "\(args[0]): \(r.stdout)")
        }
    }
}
