import Foundation
import Testing

/// `litevl probe` and `litevl frames` on real clips, checked against ffprobe and ffmpeg.
@Suite("probe and frames commands")
struct VideoCommandTests {
    @Test("probe --json matches the clip's known facts")
    func probe() throws {
        let r = try CLI.run(["probe", CLI.clip("bikes.mp4"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["width"] as? Int == 640)
        #expect(json["height"] as? Int == 272)
        #expect(json["codec"] as? String == "h264")
        #expect(json["frameCount"] as? Int == 250)
        #expect(abs((json["duration"] as? Double ?? 0) - 10) < 0.05)
        #expect(json["isVariableFrameRate"] as? Bool == false)
    }

    @Test("frames writes PNGs that ffmpeg reads back, with the timestamps of segment middles")
    func frames() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["frames", CLI.clip("bikes.mp4"), "--count", "4", "--out", out.path, "--size", "64"])
        #expect(r.status == 0, "\(r.stderr)")
        let tsv = try String(contentsOf: out.appendingPathComponent("frames.tsv"), encoding: .utf8)
        let times = tsv.split(separator: "\n").compactMap { line -> Double? in
            let fields = line.split(separator: "\t")
            return fields.count >= 2 ? Double(fields[1]) : nil
        }
        // Targets 1.25, 3.75, 6.25, 8.75 s at 25 fps: the frame on screen at each target.
        #expect(times.count == 4, "\(tsv)")
        for (t, target) in zip(times, [1.25, 3.75, 6.25, 8.75]) { #expect(t <= target && target - t < 0.04 + 1e-9, "\(t) for \(target)") }
        for i in 0..<4 {
            let png = out.appendingPathComponent(String(format: "frame-%02d.png", i))
            let data = try Data(contentsOf: png)
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            // ffmpeg decodes the PNG to 64x64 RGB.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
            p.arguments = ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", png.path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "64,64")
        }
    }

    @Test("frames on a missing file fails with one line")
    func framesMissing() throws {
        let r = try CLI.run(["frames", "/nonexistent/x.mp4", "--out", "/tmp/never-written"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("litevl: ") && r.stderr.contains("/nonexistent/x.mp4"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    @Test("frames: 101 frames are named to sort in frame order; a second, shorter run into the folder warns of the first's files")
    func framesNamingAndStaleFiles() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["frames", CLI.clip("bikes.mp4"), "--count", "101", "--out", out.path, "--size", "16", "--format", "ppm", "--thumbnails",
                             "--thumbnail-box", "8x8"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("earlier run"), "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        let frames = names.filter { $0.hasPrefix("frame-") }.sorted()
        #expect(frames.count == 101 && frames.first == "frame-000.ppm" && frames.last == "frame-100.ppm", "\(frames.prefix(3))")
        #expect(frames == (0...100).map { String(format: "frame-%03d.ppm", $0) })
        // --format ppm writes ppm thumbnails too, as the help says.
        #expect(names.filter { $0.hasPrefix("thumb-") }.sorted() == (0...100).map { String(format: "thumb-%03d.ppm", $0) })
        let tsv = try String(contentsOf: out.appendingPathComponent("frames.tsv"), encoding: .utf8)
        #expect(tsv.split(separator: "\n").last?.hasSuffix("\tframe-100.ppm") == true)

        let again = try CLI.run(["frames", CLI.clip("bikes.mp4"), "--count", "2", "--out", out.path, "--size", "16", "--format", "ppm"])
        #expect(again.status == 0, "\(again.stderr)")
        // All 101 frames and 101 thumbnails of the first run: the second named its two frames with two digits.
        #expect(again.stderr.contains("also holds 202 frame file(s) from an earlier run (frame-000.ppm, frame-001.ppm, frame-002.ppm, …)"), "\(again.stderr)")
        let listed = try String(contentsOf: out.appendingPathComponent("frames.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(listed.map { $0.split(separator: "\t").last.map(String.init) } == ["frame-00.ppm", "frame-01.ppm"])
    }
}
