import Foundation
import Testing

/// What `ffprobe` says about an image file, and its pixels as the ffmpeg CLI decodes them.
struct ProbedImage {
    var codec = "", pixelFormat = "", width = 0, height = 0
    var tags: [String: String] = [:]
    var rgb = Data()

    init?(_ path: String) {
        guard let ffprobe = TmuxSession.which("ffprobe"), let ffmpeg = TmuxSession.which("ffmpeg") else { return nil }
        let probe = Self.run(ffprobe, ["-v", "error", "-show_entries", "stream=codec_name,pix_fmt,width,height:frame_tags",
                                       "-show_frames", "-of", "default=nw=1", path])
        for line in String(decoding: probe, as: UTF8.self).split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            switch kv[0] {
            case "codec_name": codec = kv[1]
            case "pix_fmt": pixelFormat = kv[1]
            case "width": width = Int(kv[1]) ?? 0
            case "height": height = Int(kv[1]) ?? 0
            case let k where k.hasPrefix("TAG:"): tags[String(k.dropFirst(4))] = kv[1]
            default: break
            }
        }
        // The image2 demuxer and FFmpeg's PNG decoder, to packed RGB.
        rgb = Self.run(ffmpeg, ["-v", "error", "-nostdin", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    }

    static func run(_ exe: String, _ args: [String]) -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return Data() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }
}

extension TerminalTests {
    static let haveFFmpegCLI = TmuxSession.which("ffmpeg") != nil && TmuxSession.which("ffprobe") != nil

    @Test("the exported PNGs come from FFmpeg's encoder: png/rgb24 at the thumbnail size, the frames' exact pixels",
          .enabled(if: haveFFmpegCLI, "ffmpeg/ffprobe not installed"))
    func exportedPNGsDecodeInFFmpeg() throws {
        let history = tempFile("history.jsonl")
        let base = tempFile("export-png")
        let reference = tempFile("thumbs")
        defer { for u in [history, base, reference] { try? FileManager.default.removeItem(at: u) } }
        let t = try startApp(extra: "--export-dir \(TmuxSession.quote(base.path))", history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30), "\(t.capture())")
        _ = try ask(t, "which way is the bike moving?")
        try t.sendKeys("C-s")
        #expect(t.waitFor("exported", timeout: 20), "\(t.capture())")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"))
        guard let dir = ((try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []).first.map({ base.appendingPathComponent($0) }) else {
            Issue.record("nothing exported: \(t.capture())"); return
        }

        // The same frames' thumbnails as the app samples them (4 frames, in a 320x240 box), written by `frames`.
        let r = try CLI.run(["frames", CLI.clip("bikes.mp4"), "--count", "4", "--thumbnails", "--thumbnail-box", "320x240",
                             "--out", reference.path])
        #expect(r.status == 0, "\(r.stderr)")

        for i in 1...4 {
            let frame = dir.appendingPathComponent(String(format: "frames/frame-%02d.png", i)).path
            let heat = dir.appendingPathComponent(String(format: "attention/q01-frame-%02d.png", i)).path
            let thumb = reference.appendingPathComponent(String(format: "thumb-%02d.png", i - 1)).path  // `frames` counts from 0
            guard let f = ProbedImage(frame), let h = ProbedImage(heat), let ref = ProbedImage(thumb) else {
                Issue.record("cannot probe \(frame)"); continue
            }
            // bikes.mp4 is 640x272: 320x136 in the app's 320x240 box.
            for (name, p) in [("frame", f), ("attention", h), ("reference", ref)] {
                #expect(p.codec == "png" && p.pixelFormat == "rgb24", "\(name) \(i): \(p.codec) \(p.pixelFormat)")
                #expect(p.width == 320 && p.height == 136, "\(name) \(i): \(p.width)x\(p.height)")
                #expect(p.rgb.count == 320 * 136 * 3, "\(name) \(i) decodes to \(p.rgb.count) bytes")
            }
            // (Booleans, not Data: Swift Testing would diff 170 kB byte by byte on a failure.)
            let same = f.rgb == ref.rgb, blended = h.rgb != f.rgb
            let firstDifference = zip(f.rgb, ref.rgb).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
            #expect(same, "frame \(i): the exported pixels are the sampled thumbnail's (first difference at byte \(firstDifference ?? -1))")
            #expect(blended, "attention \(i): the map is blended on top")
            #expect(f.tags["Timestamp"].flatMap(Double.init) != nil, "frame \(i) tags: \(f.tags)")
            #expect(h.tags["Question"] == "which way is the bike moving?" && h.tags["Layer"] != nil, "attention \(i) tags: \(h.tags)")
        }
    }

    @Test("an export folder that cannot be created is one clear line; the session goes on")
    func exportToUnwritableFolder() throws {
        let history = tempFile("history.jsonl")
        // A file where the export folder should go: no permission bits involved (the tests may run as root).
        let blocker = tempFile("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        defer { for u in [history, blocker] { try? FileManager.default.removeItem(at: u) } }
        let t = try startApp(width: 160, extra: "--export-dir \(TmuxSession.quote(blocker.path))", history: history)
        defer { t.kill() }
        #expect(t.waitFor("T=4", timeout: 30), "\(t.capture())")
        let first = try ask(t, "what color is the square?")
        #expect(first != nil)
        try t.sendKeys("C-s")
        #expect(t.waitFor("export failed: cannot create", timeout: 20), "\(t.capture())")
        // The error may wrap over rows: read the screen as one line of words.
        let words = t.capture().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("is a file, not a folder; choose a writable folder with --export-dir DIR"), "\(t.capture())")
        // Still the same session: the question is on screen, another one is answered, the history has both.
        #expect(t.capture().contains("you › what color is the square?"))
        #expect(try ask(t, "is there a circle?") != nil, "\(t.capture())")
        try t.sendKeys("q")
        #expect(t.waitFor("EXIT=0"))
        #expect(TranscriptLines(history).questions == ["what color is the square?", "is there a circle?"])
        #expect((try? String(contentsOf: blocker, encoding: .utf8)) == "x", "the file in the way is untouched")
    }
}
