import Foundation
import Testing

/// docs/errors.md, parsed: one row per bad input class with its exit code and the exact message.
/// The tests below run the real `litevl` binary on real bad files for every row whose test column
/// says `ErrorTableTests`, and check that the other rows name a test that exists, so the table
/// and the program cannot drift apart.
struct ErrorRow: Sendable, CustomTestStringConvertible {
    var id: String
    var input: String
    var exit: Int32
    /// The message column: a line with `{…}` placeholders, or "—" for "nothing in particular".
    var message: String
    var test: String
    var testDescription: String { id }

    /// The message as a regular expression: `{anything}` matches any text, the rest literally.
    var pattern: NSRegularExpression {
        var regex = "^"
        var rest = Substring(message)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            regex += NSRegularExpression.escapedPattern(for: String(rest[..<open])) + ".*?"
            rest = rest[rest.index(after: close)...]
        }
        regex += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        return try! NSRegularExpression(pattern: regex)
    }

    func matches(_ line: some StringProtocol) -> Bool {
        let s = String(line)
        return pattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}

enum ErrorTable {
    static let url = CLI.repoRoot.appendingPathComponent("docs/errors.md")

    /// Every table row of docs/errors.md whose first cell is a backticked id such as `video.empty`.
    static let rows: [ErrorRow] = {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> ErrorRow? in
            guard line.hasPrefix("| `") else { return nil }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5, let exit = Int32(cells[2]) else { return nil }
            func unquote(_ s: String) -> String { s.hasPrefix("`") && s.hasSuffix("`") && s.count >= 2 ? String(s.dropFirst().dropLast()) : s }
            return ErrorRow(id: unquote(cells[0]), input: cells[1], exit: exit, message: unquote(cells[3]), test: unquote(cells[4]))
        }
    }()

    static func row(_ id: String) -> ErrorRow? { rows.first { $0.id == id } }
    static var tableRows: [ErrorRow] { rows.filter { $0.test == "ErrorTableTests" } }
}

/// Bad inputs made once per test run: videos with the ffmpeg CLI (and by cutting or scrambling
/// them), damaged copies of the random test model.
enum BadFiles {
    static let dir: URL = {
        let tmp = FileManager.default.temporaryDirectory
        // Remove what earlier runs left, once their process is gone.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where entry.hasPrefix("litevl-errors-") {
            if let pid = Int32(entry.dropFirst("litevl-errors-".count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(entry))
            }
        }
        let d = tmp.appendingPathComponent("litevl-errors-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let ffmpeg = TmuxSession.which("ffmpeg")
    static let source = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2"]

    /// Generated videos; the first access makes all of them (in parallel).
    static let videos: Bool = {
        guard let ffmpeg else { return false }
        let x264 = ["-c:v", "libx264", "-preset", "ultrafast"]
        let recipes: [(String, [String])] = [
            ("good.mp4", source + x264 + ["-g", "12", "-movflags", "+faststart"]),
            ("moov_at_end.mp4", source + x264 + ["-g", "12"]),
            ("one_frame.mp4", source + ["-frames:v", "1"] + x264),
            ("ten_bit.mp4", source + x264 + ["-pix_fmt", "yuv420p10le"]),
            ("vfr.mp4", source + ["-vf", "setpts='if(lt(N,20),N*0.04,0.8+(N-20)*0.2)/TB'", "-fps_mode", "vfr"] + x264),
            ("audio_only.m4a", ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"]),
        ]
        final class Box: @unchecked Sendable { let lock = NSLock(); var ok = true }
        let box = Box()
        DispatchQueue.concurrentPerform(iterations: recipes.count) { i in
            let (name, args) = recipes[i]
            let status = system(([ffmpeg, "-v", "error", "-nostdin", "-y"] + args + [path(name)]).map(TmuxSession.quote).joined(separator: " ") + " </dev/null")
            if status != 0 { box.lock.lock(); box.ok = false; box.lock.unlock() }
        }
        // Rotated: the same stream with a 90° display matrix.
        if system([ffmpeg, "-v", "error", "-nostdin", "-y", "-i", path("good.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", path("rotated.mp4")]
            .map(TmuxSession.quote).joined(separator: " ") + " </dev/null") != 0 { box.ok = false }
        let fm = FileManager.default
        let good = (try? Data(contentsOf: URL(fileURLWithPath: path("good.mp4")))) ?? Data()
        let moovAtEnd = (try? Data(contentsOf: URL(fileURLWithPath: path("moov_at_end.mp4")))) ?? Data()
        // A download that stopped at 60 %: with the index first, the part that exists still plays.
        _ = fm.createFile(atPath: path("truncated.mp4"), contents: good.prefix(good.count * 6 / 10))
        // ... and with the index at the end, nothing can be found.
        _ = fm.createFile(atPath: path("truncated_no_index.mp4"), contents: moovAtEnd.prefix(moovAtEnd.count * 6 / 10))
        // Every byte of the media data scrambled (deterministically), the index intact.
        var corrupt = [UInt8](good)
        if let mdat = good.range(of: Data("mdat".utf8)) {
            var x: UInt32 = 2463534242
            for i in (mdat.upperBound - good.startIndex)..<corrupt.count {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5
                corrupt[i] = UInt8(truncatingIfNeeded: x)
            }
        }
        _ = fm.createFile(atPath: path("corrupt.mp4"), contents: Data(corrupt))
        _ = fm.createFile(atPath: path("empty.mp4"), contents: Data())
        _ = fm.createFile(atPath: path("text.mp4"), contents: Data("these are notes, not a video\n".utf8))
        // A real YUV4MPEG2 stream whose header claims 16000x16000 frames (384 MB each).
        var huge = Data("YUV4MPEG2 W16000 H16000 F25:1 Ip A1:1 C420jpeg\nFRAME\n".utf8)
        huge.append(Data(repeating: 0x80, count: 4096))
        _ = fm.createFile(atPath: path("huge_frames.y4m"), contents: huge)
        try? fm.createDirectory(atPath: path("a_directory.mp4"), withIntermediateDirectories: true)
        return box.ok && good.count > 10_000
    }()

    /// A copy of the random test model, changed by `damage`.
    static func model(_ name: String, _ damage: (URL) throws -> Void) throws -> String {
        let d = dir.appendingPathComponent("model-\(name)")
        try? FileManager.default.removeItem(at: d)
        try FileManager.default.copyItem(at: CLI.randomModel, to: d)
        try damage(d)
        return d.path
    }

    /// Edits the model's config.json as a JSON object.
    static func editConfig(_ d: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = d.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// Sets the first value of `tensor` in a safetensors file to NaN (F32, F16 or BF16), in place.
    static func poison(_ url: URL, tensor: String) throws {
        var data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        let entry = header[tensor] as! [String: Any]
        let begin = 8 + length + (entry["data_offsets"] as! [Int])[0]
        let nan: [UInt8] = entry["dtype"] as! String == "F32" ? [0x00, 0x00, 0xC0, 0x7F] : entry["dtype"] as! String == "F16" ? [0x00, 0x7E] : [0xC0, 0x7F]
        data.replaceSubrange(begin..<(begin + nan.count), with: nan)
        try data.write(to: url)
    }

    /// A safetensors file with one tensor entry described by `entry` (raw JSON) and `payload` data bytes.
    static func safetensors(_ entry: String, payload: Int) -> Data {
        var header = Data("{\"x\": \(entry)}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        data.append(Data(count: payload))
        return data
    }
}

@Suite("docs/errors.md: every bad input, its message and exit code")
struct ErrorTableTests {
    static let question = "what is moving?"
    static var model: String { CLI.randomModel.path }
    static var fixtures: URL { ConvertTests.fixtures }

    /// How each row is produced: litevl's arguments and environment, or a shell line (`$LITEVL` is the binary)
    /// for what Foundation's Process cannot pass (bytes that are not UTF-8, a closed terminal).
    enum Run {
        case litevl([String], env: [String: String] = [:])
        case shell(String)
    }

    static func ask(_ clip: String, _ q: String = question, _ extra: [String] = []) -> Run {
        .litevl(["ask", clip, q, "--model", model] + extra)
    }
    static func convert(_ fixture: String) -> Run {
        .litevl(["convert", fixtures.appendingPathComponent(fixture).path, "--out", BadFiles.path("converted-\(fixture)"),
                 "--heads", "2", "--vocab", fixtures.appendingPathComponent("vocab.txt").path])
    }
    static func askModel(_ name: String, _ damage: @escaping @Sendable (URL) throws -> Void) -> @Sendable () throws -> Run {
        { .litevl(["ask", BadFiles.path("good.mp4"), question, "--model", try BadFiles.model(name, damage)]) }
    }

    /// Row id → how to run it. Must list exactly the rows whose test column is ErrorTableTests.
    static let cases: [String: @Sendable () throws -> Run] = [
        // Video
        "video.missing": { ask("/nonexistent/clip.mp4") },
        "video.directory": { ask(BadFiles.path("a_directory.mp4")) },
        "video.empty": { ask(BadFiles.path("empty.mp4")) },
        "video.text": { ask(BadFiles.path("text.mp4")) },
        "video.truncated-index-first": { ask(BadFiles.path("truncated.mp4")) },
        "video.truncated-index-last": { ask(BadFiles.path("truncated_no_index.mp4")) },
        "video.corrupt": { ask(BadFiles.path("corrupt.mp4")) },
        "video.audio-only": { ask(BadFiles.path("audio_only.m4a")) },
        "video.one-frame": { ask(BadFiles.path("one_frame.mp4")) },
        "video.10-bit": { ask(BadFiles.path("ten_bit.mp4")) },
        "video.rotated": { ask(BadFiles.path("rotated.mp4")) },
        "video.vfr": { ask(BadFiles.path("vfr.mp4")) },
        "video.huge-frames": { ask(BadFiles.path("huge_frames.y4m")) },
        "video.colon-in-name": {
            let named = BadFiles.path("clip-10:30.mp4")
            try? FileManager.default.removeItem(atPath: named)
            try FileManager.default.copyItem(atPath: BadFiles.path("good.mp4"), toPath: named)
            return ask(named)
        },
        "video.playlist-absolute": {
            let playlist = BadFiles.dir.appendingPathComponent("absolute.ffconcat")
            try Data("ffconcat version 1.0\nfile \(BadFiles.path("good.mp4"))\n".utf8).write(to: playlist)
            return ask(playlist.path)
        },
        "video.playlist-missing-entry": {
            let playlist = BadFiles.dir.appendingPathComponent("missing-entry.ffconcat")
            try Data("ffconcat version 1.0\nfile no-such-clip.mp4\n".utf8).write(to: playlist)
            return ask(playlist.path)
        },
        // Model directory
        "model.missing-dir": { .litevl(["ask", BadFiles.path("good.mp4"), question, "--model", "/nonexistent/model"]) },
        "model.none": { .litevl(["ask", BadFiles.path("good.mp4"), question], env: ["LITEVL_ASSETS": BadFiles.path("a_directory.mp4")]) },
        "model.no-config": askModel("no-config") { try FileManager.default.removeItem(at: $0.appendingPathComponent("config.json")) },
        "model.no-weights": askModel("no-weights") { try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors")) },
        "model.no-vocab": askModel("no-vocab") { try FileManager.default.removeItem(at: $0.appendingPathComponent("vocab.txt")) },
        "model.empty-weights": askModel("empty-weights") { try Data().write(to: $0.appendingPathComponent("model.safetensors")) },
        "model.truncated-weights": askModel("truncated-weights") { d in
            let url = d.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 2).write(to: url)
        },
        "model.garbage-weights": askModel("garbage-weights") { try Data(repeating: 0xA5, count: 4096).write(to: $0.appendingPathComponent("model.safetensors")) },
        "model.absurd-tensor": askModel("absurd-tensor") {
            try BadFiles.safetensors(#"{"dtype": "F32", "shape": [1000000, 1000000], "data_offsets": [0, 16]}"#, payload: 16)
                .write(to: $0.appendingPathComponent("model.safetensors"))
        },
        "model.config-not-json": askModel("config-not-json") { try Data("{\"name\": ".utf8).write(to: $0.appendingPathComponent("config.json")) },
        "model.config-fraction": askModel("config-fraction") { try BadFiles.editConfig($0) { c in
            var v = c["vision"] as! [String: Any]; v["image_size"] = 96.5; c["vision"] = v } },
        "model.config-directory": askModel("config-directory") { d in
            let url = d.appendingPathComponent("config.json")
            try FileManager.default.removeItem(at: url)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        },
        "model.config-missing-key": askModel("config-missing-key") { try BadFiles.editConfig($0) { $0["vision"] = nil } },
        "model.config-bad-value": askModel("config-bad-value") { try BadFiles.editConfig($0) { c in
            var v = c["vision"] as! [String: Any]; v["heads"] = 3; c["vision"] = v } },
        "model.wrong-shape": askModel("wrong-shape") { try BadFiles.editConfig($0) { c in
            var v = c["vision"] as! [String: Any]; v["mlp_dim"] = 48; c["vision"] = v } },
        "model.missing-tensor": askModel("missing-tensor") { try BadFiles.editConfig($0) { c in
            var v = c["vision"] as! [String: Any]; v["depth"] = 3; c["vision"] = v } },
        "model.wrong-vocab": askModel("wrong-vocab") { d in
            let url = d.appendingPathComponent("vocab.txt")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix(100)
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        },
        "model.empty-answers": askModel("empty-answers") { try Data("\n\n".utf8).write(to: $0.appendingPathComponent("answers.txt")) },
        "model.long-answer": askModel("long-answer") { d in
            try Data(("yes\nno\n" + Array(repeating: "red", count: 80).joined(separator: " ") + "\n").utf8).write(to: d.appendingPathComponent("answers.txt"))
        },
        "model.short-vocab": askModel("short-vocab") { d in
            let url = d.appendingPathComponent("vocab.txt")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").prefix(500)
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        },
        "model.nan-weights": askModel("nan-weights") { try BadFiles.poison($0.appendingPathComponent("model.safetensors"), tensor: "visual_encoder.blocks.0.norm1.weight") },
        "model.config-eps": askModel("config-eps") { try BadFiles.editConfig($0) { c in
            var v = c["vision"] as! [String: Any]; v["eps"] = -1; c["vision"] = v } },
        "model.config-tau": askModel("config-tau") { try BadFiles.editConfig($0) { c in
            var p = c["pooling"] as! [String: Any]; p["tau"] = 1e-40; c["pooling"] = p } },
        "model.config-positions": askModel("config-positions") { try BadFiles.editConfig($0) { c in
            var t = c["text"] as! [String: Any]; t["max_positions"] = 16; c["text"] = t } },
        "model.config-question-tokens": askModel("config-question-tokens") { try BadFiles.editConfig($0) { $0["max_question_tokens"] = 100 } },
        "model.config-frames": {
            let dir = CLI.writeRandomModel(folder: "litevl-errors-frames100", name: "random-100-frames", temporal: .none, seed: 7001, frames: 100)
            return .litevl(["ask", BadFiles.path("good.mp4"), question, "--model", dir.path])
        },
        // Checkpoints (litevl convert): the crafted files of Tests/LiteVLTests/Fixtures/checkpoints.
        "checkpoint.os-system": { convert("evil_os_system.pth") },
        "checkpoint.eval": { convert("evil_eval.pth") },
        "checkpoint.popen": { convert("evil_popen.pth") },
        "checkpoint.inst": { convert("evil_inst.pth") },
        "checkpoint.zip-traversal": { convert("evil_traversal.pth") },
        "checkpoint.zip-bomb": { convert("evil_deflated.pth") },
        "checkpoint.declared-size": { convert("evil_declared_size.pth") },
        "checkpoint.absurd-tensor": { convert("evil_huge_tensor.pth") },
        "checkpoint.short-storage": { convert("evil_short_storage.pth") },
        "checkpoint.bad-strides": { convert("evil_stride.pth") },
        "checkpoint.truncated": { convert("evil_truncated.pth") },
        "checkpoint.not-zip": { .litevl(["convert", BadFiles.path("text.mp4"), "--out", BadFiles.path("converted-text")]) },
        "checkpoint.missing": { convert("missing.pth") },
        "checkpoint.retrieval": { convert("blip_retrieval.pth") },
        "checkpoint.bad-rank": { convert("evil_rank.pth") },
        "checkpoint.vocab-blank-line": {
            let vocab = BadFiles.dir.appendingPathComponent("blank-line-vocab.txt")
            try Data("[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n".utf8).write(to: vocab)
            return .litevl(["convert", fixtures.appendingPathComponent("blip_image.pth").path, "--out", BadFiles.path("converted-blank-vocab"),
                            "--heads", "2", "--vocab", vocab.path])
        },
        // Questions
        "question.empty": { ask(BadFiles.path("good.mp4"), "") },
        "question.blank": { ask(BadFiles.path("good.mp4"), "   ") },
        "question.control-only": { ask(BadFiles.path("good.mp4"), "\u{01}\u{02}\u{1B}") },
        "question.100kb": { ask(BadFiles.path("good.mp4"), String(repeating: "why ", count: 25_000)) },
        "question.manifest-bad-line": {
            let manifest = BadFiles.dir.appendingPathComponent("bad-line.jsonl")
            let lines = [#"{"video": "good.mp4", "question": "what is moving?", "answer": "yes"}"#, "", "",
                         #"{"video": "good.mp4", "question": "q", "answer": 3}"#]
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: manifest)
            return .litevl(["eval", manifest.path, "--model", model])
        },
        "question.1mb-manifest": {
            let manifest = BadFiles.dir.appendingPathComponent("long-question.jsonl")
            let line = try JSONSerialization.data(withJSONObject: ["video": "good.mp4", "question": String(repeating: "a", count: 1 << 20), "answer": "yes"])
            try line.write(to: manifest)
            return .litevl(["eval", manifest.path, "--model", model])
        },
        "question.search-100kb": { .litevl(["search", String(repeating: "red ", count: 25_000), BadFiles.path("good.mp4"), "--model", model, "--no-cache"]) },
        "question.search-empty": { .litevl(["search", " ", BadFiles.path("good.mp4"), "--model", model, "--no-cache"]) },
        "question.search-newline": { .litevl(["search", "\n", BadFiles.path("good.mp4"), "--model", model, "--no-cache"]) },
        "question.demo-manifest-bad-line": {
            let manifest = BadFiles.dir.appendingPathComponent("demo-bad-line.jsonl")
            let lines = [#"{"video": "good.mp4", "question": "what is moving?"}"#, "", #"{"video": 3}"#]
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: manifest)
            return .litevl(["demo", "--manifest", manifest.path, "--model", model])
        },
        "question.control-chars": { ask(BadFiles.path("good.mp4"), "what\u{1B}[31m color\u{07} is it?") },
        "question.not-utf8": { .shell("exec \"$LITEVL\" ask \(TmuxSession.quote(BadFiles.path("good.mp4"))) \"$(printf 'what \\377\\376 color?')\" --model \(TmuxSession.quote(model))") },
        // Terminal (the ones that need no terminal to show)
        "terminal.not-a-tty": { .litevl([BadFiles.path("good.mp4"), "--model", model, "--history", "/dev/null"]) },
        // Flags
        "flags.unknown-option": { ask(BadFiles.path("good.mp4"), question, ["--colour"]) },
        "flags.missing-argument": { .litevl(["ask"]) },
        "flags.frames-not-a-number": { ask(BadFiles.path("good.mp4"), question, ["--frames", "many"]) },
        "flags.frames-zero": { ask(BadFiles.path("good.mp4"), question, ["--frames", "0"]) },
        "flags.cache-size-huge": { .litevl(["search", "a red circle", BadFiles.path("good.mp4"), "--model", model, "--cache", BadFiles.path("cache-huge"), "--cache-size", "17592186044416"]) },
        "flags.threads-too-many": { .litevl(["frames", BadFiles.path("good.mp4"), "--threads", "100000", "--out", BadFiles.path("frames-threads")]) },
        "flags.frames-too-many": { ask(BadFiles.path("good.mp4"), question, ["--frames", "1000"]) },
        "flags.negative-number": { .litevl(["frames", BadFiles.path("good.mp4"), "--count", "-1", "--out", BadFiles.path("frames-negative")]) },
        "flags.frames-app": { .litevl([BadFiles.path("good.mp4"), "--frames", "0"]) },
        "flags.frames-demo": { .litevl(["demo", "--frames", "100"]) },
        "flags.cache-size-app": { .litevl([BadFiles.path("good.mp4"), "--cache-size", "0"]) },
        "flags.top-zero": { ask(BadFiles.path("good.mp4"), question, ["--top", "0"]) },
        "flags.bad-choice": { ask(BadFiles.path("good.mp4"), question, ["--pooling", "maybe"]) },
        "flags.unknown-command": { .litevl(["frobnicate"]) },
        "flags.missing-answers-file": { ask(BadFiles.path("good.mp4"), question, ["--answers", "/nonexistent/answers.txt"]) },
        "flags.answers-directory": { ask(BadFiles.path("good.mp4"), question, ["--answers", BadFiles.dir.path]) },
        "flags.bench-frames": { .litevl(["bench", "--gemm", "--frames=-1"]) },
        "flags.bench-size": { .litevl(["bench", "--preset", "blip-base", "--size", "100000"]) },
        "flags.frames-out-under-file": { .litevl(["frames", BadFiles.path("good.mp4"), "--out", BadFiles.path("good.mp4") + "/sub"]) },
    ]

    static func execute(_ run: Run) throws -> CLI.Result {
        switch run {
        case .litevl(let args, let env):
            return try CLI.run(args, environment: env)
        case .shell(let line):
            let out = BadFiles.dir.appendingPathComponent("shell-\(UUID().uuidString).out")
            let err = BadFiles.dir.appendingPathComponent("shell-\(UUID().uuidString).err")
            defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
            let env = "LITEVL=\(TmuxSession.quote(CLI.executable.path)) LITEVL_ASSETS=\(TmuxSession.quote(CLI.repoRoot.appendingPathComponent("Assets").path))"
            let status = system("\(env) sh -c \(TmuxSession.quote(line)) >\(TmuxSession.quote(out.path)) 2>\(TmuxSession.quote(err.path)) </dev/null")
            let code = (status >> 8) & 0xFF
            return CLI.Result(status: code, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                              stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    @Test("docs/errors.md and the tests list the same rows; other rows name a test that exists")
    func tableInSync() throws {
        let rows = ErrorTable.rows
        #expect(rows.count >= 60, "parsed \(rows.count) rows from \(ErrorTable.url.path)")
        #expect(Set(rows.map(\.id)).count == rows.count, "duplicate ids")
        let tableIDs = Set(ErrorTable.tableRows.map(\.id))
        #expect(tableIDs == Set(Self.cases.keys), "in the doc only: \(tableIDs.subtracting(Self.cases.keys).sorted()); in the test only: \(Set(Self.cases.keys).subtracting(tableIDs).sorted())")
        // Other rows: `Suite.function` (or several, comma-separated) must be a test function in Tests/.
        let sources = try ["Tests/CLITests", "Tests/VideoDecodingTests", "Tests/LiteVLTests", "Tests/TerminalUITests"].flatMap { dir in
            try FileManager.default.contentsOfDirectory(atPath: CLI.repoRoot.appendingPathComponent(dir).path)
                .filter { $0.hasSuffix(".swift") }
                .map { try String(contentsOf: CLI.repoRoot.appendingPathComponent("\(dir)/\($0)"), encoding: .utf8) }
        }.joined(separator: "\n")
        for row in rows where row.test != "ErrorTableTests" {
            let names = row.test.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            #expect(!names.isEmpty, "\(row.id) names no test")
            for name in names {
                let parts = name.split(separator: ".")
                #expect(parts.count == 2 && sources.contains("struct \(parts[0])") && sources.contains("func \(parts[1])("),
                        "\(row.id): test \(name) not found in Tests/")
            }
        }
        #expect(rows.allSatisfy { [0, 1, 2, 64, 129, 130, 143].contains($0.exit) })
    }

    @Test("each row: the exit code and the exact one-line message", .enabled(if: BadFiles.ffmpeg != nil, "ffmpeg CLI not installed"),
          arguments: ErrorTable.tableRows)
    func row(_ row: ErrorRow) throws {
        #expect(BadFiles.videos, "the bad videos could not be generated in \(BadFiles.dir.path)")
        let make = try #require(Self.cases[row.id], "no case for \(row.id)")
        let r = try Self.execute(try make())
        #expect(r.status == row.exit, "\(row.id): exit \(r.status), stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        if row.exit == 0 {
            // Successes: the row's line (a warning, or the echoed question) appears on stdout or stderr.
            if row.message != "—" {
                let all = r.stdout.split(separator: "\n") + lines
                #expect(all.contains { row.matches($0) }, "\(row.id): no line matches \(row.message)\nstdout: \(r.stdout)\nstderr: \(r.stderr)")
            }
        } else {
            // Failures: exactly one line on stderr, nothing on stdout.
            #expect(lines.count == 1, "\(row.id): \(lines.count) lines: \(r.stderr)")
            #expect(lines.first.map { row.matches($0) } == true, "\(row.id):\n  got      \(lines.first ?? "")\n  expected \(row.message)")
            #expect(r.stdout.isEmpty, "\(row.id): stdout \(r.stdout)")
        }
        if row.id.hasPrefix("checkpoint.") {
            // A refused checkpoint writes nothing.
            let written = ((try? FileManager.default.contentsOfDirectory(atPath: BadFiles.dir.path)) ?? [])
                .filter { $0.hasPrefix("converted-") && FileManager.default.fileExists(atPath: BadFiles.path("\($0)/model.safetensors")) }
            #expect(written.isEmpty, "\(row.id): wrote \(written)")
        }
    }
}
