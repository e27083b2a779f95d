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
}
