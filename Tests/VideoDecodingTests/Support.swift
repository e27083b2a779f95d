import Foundation
import Testing
@testable import VideoDecoding

/// Paths, external tools and the generated test matrix shared by the tests.
enum Fixtures {
    /// The repository root, from this file's location (Tests/VideoDecodingTests/Support.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// ../shared/clips next to the repository.
    static let clipsDir = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/clips")
    static func clip(_ name: String) -> String { clipsDir.appendingPathComponent(name).path }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
    static let ffmpeg = which("ffmpeg")
    static let ffprobe = which("ffprobe")
    static let haveFFmpeg = ffmpeg != nil && ffprobe != nil
    static let clipsPresent = FileManager.default.fileExists(atPath: clip("bikes.mp4"))

    /// Runs a program; returns its exit status, standard output and standard error.
    @discardableResult
    static func run(_ exe: String, _ args: [String]) -> (status: Int32, out: Data, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, Data(), "\(error)") }
        // Drain stderr on another thread so neither pipe can fill up and block the child.
        nonisolated(unsafe) var errData = Data()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); errDone.signal() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        errDone.wait()
        p.waitUntilExit()
        return (p.terminationStatus, data, String(decoding: errData, as: UTF8.self))
    }

    /// Presentation times of every video frame, in output order, as ffprobe decodes them. A stream
    /// without timestamps (raw H.264) gets `index / fallbackRate`, as the decoder counts them.
    static func ffprobeFrameTimes(_ path: String, fallbackRate: Double = 25) -> [Double] {
        let r = run(ffprobe!, ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time",
                               "-of", "csv=p=0", path])
        let fields = String(decoding: r.out, as: UTF8.self).split(separator: "\n").map {
            Double($0.split(separator: ",").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "")
        }
        if !fields.isEmpty && fields.allSatisfy({ $0 == nil }) {
            return fields.indices.map { Double($0) / fallbackRate }
        }
        return fields.compactMap { $0 }
    }

    /// Frame number `index` (output order) decoded by the ffmpeg CLI and scaled to `size`×`size`
    /// RGB with the scale filter (bicubic). `rotation` (clockwise degrees) is applied after
    /// scaling, as the sampler does; nil lets ffmpeg autorotate before scaling instead.
    static func ffmpegFrame(_ path: String, index: Int, size: Int, rotation: Int? = 0) -> [UInt8]? {
        var filter = "select=eq(n\\,\(index)),scale=\(size):\(size):flags=bicubic,format=rgb24"
        switch rotation {
        case 90: filter += ",transpose=clock"
        case 180: filter += ",hflip,vflip"
        case 270: filter += ",transpose=cclock"
        default: break
        }
        let rotate = rotation == nil ? [] : ["-noautorotate"]
        let r = run(ffmpeg!, ["-v", "error"] + rotate + ["-i", path, "-map", "0:v:0", "-vf", filter, "-frames:v", "1",
                              "-fps_mode", "passthrough", "-f", "rawvideo", "-"])
        guard r.status == 0, r.out.count == size * size * 3 else { return nil }
        return [UInt8](r.out)
    }

    /// Seconds rounded to microseconds, as ffprobe prints them.
    static func micro(_ t: Double) -> Double { (t * 1e6).rounded() / 1e6 }

    /// The frame shown at `t`: the last time ≤ t in `times` (the first frame when t precedes all).
    static func expectedFrame(at t: Double, in times: [Double]) -> (index: Int, time: Double)? {
        guard !times.isEmpty else { return nil }
        var best: (Int, Double)?
        for (i, x) in times.enumerated() where x <= t + 1e-9 {
            if best == nil || x >= best!.1 { best = (i, x) }
        }
        if let best { return best }
        let first = times.enumerated().min { $0.element < $1.element }!
        return (first.offset, first.element)
    }

    /// Mean and maximum absolute difference between two byte arrays of equal length.
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> (mean: Double, max: Int) {
        precondition(a.count == b.count)
        var sum = 0, mx = 0
        for i in a.indices {
            let d = abs(Int(a[i]) - Int(b[i]))
            sum += d
            mx = max(mx, d)
        }
        return (Double(sum) / Double(max(1, a.count)), mx)
    }
}

/// Test videos generated once per run with the ffmpeg CLI into a temporary directory.
final class Matrix: Sendable {
    static let shared = Matrix()
    let dir: URL
    /// File name → generation error (empty when every file was made).
    let failures: [String: String]

    /// Files for the codec/format matrix: (name, ffmpeg arguments after `-y`).
    static let source = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2"]
    static let recipes: [(String, [String])] = [
        ("h264.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "3", "-g", "12", "-pix_fmt", "yuv420p"]),
        ("h264_bframes_fast.mp4", source + ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-b_strategy", "2", "-g", "12", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]),
        ("opengop.mkv", source + ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "12", "-x264-params", "open-gop=1", "-pix_fmt", "yuv420p"]),
        ("hevc.mp4", source + ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-g", "12", "-pix_fmt", "yuv420p"]),
        ("vp8.webm", source + ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "12"]),
        ("vp9.webm", source + ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "12"]),
        ("av1.mkv", source + ["-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime", "-g", "12"]),
        ("mpeg4.avi", source + ["-c:v", "mpeg4", "-bf", "2", "-g", "12"]),
        ("mpeg2.ts", source + ["-c:v", "mpeg2video", "-bf", "2", "-g", "12"]),
        ("mjpeg.avi", source + ["-c:v", "mjpeg", "-pix_fmt", "yuvj422p"]),
        ("theora.ogv", source + ["-c:v", "libtheora", "-g", "12"]),
        ("prores.mov", source + ["-c:v", "prores_ks", "-profile:v", "2"]),
        ("ffv1.mkv", source + ["-c:v", "ffv1", "-pix_fmt", "yuv444p"]),
        ("anim.gif", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2"]),
        ("h264_10bit.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le"]),
        ("h264_444.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"]),
        ("h264_fullrange.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-color_range", "pc"]),
        ("h264_bt709.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]),
        ("odd.mkv", ["-f", "lavfi", "-i", "testsrc2=size=176x98:rate=25:duration=1", "-vf", "scale=175:97,setsar=1,format=yuv420p", "-c:v", "ffv1"]),
        ("vfr.mp4", source + ["-vf", "setpts='if(lt(N,20),N*0.04,0.8+(N-20)*0.2)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast"]),
        ("one.mp4", source + ["-frames:v", "1", "-c:v", "libx264", "-preset", "ultrafast"]),
        ("three.mp4", source + ["-frames:v", "3", "-c:v", "libx264", "-preset", "ultrafast"]),
        ("withaudio.mp4", source + ["-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"]),
        ("raw.h264", source + ["-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-f", "h264"]),
        ("faststart.mp4", source + ["-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-movflags", "+faststart"]),
        ("audio.m4a", ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"]),
        ("cover.png", ["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1"]),
        ("long.mp4", ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25:duration=600", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-movflags", "+faststart"]),
    ]
    /// Matrix files every decoding test runs over.
    static let decodable = ["h264.mp4", "h264_bframes_fast.mp4", "opengop.mkv", "hevc.mp4", "vp8.webm", "vp9.webm", "av1.mkv",
                            "mpeg4.avi", "mpeg2.ts", "mjpeg.avi", "theora.ogv", "prores.mov", "ffv1.mkv", "anim.gif",
                            "h264_10bit.mp4", "h264_444.mp4", "h264_fullrange.mp4", "h264_bt709.mp4", "odd.mkv", "vfr.mp4",
                            "one.mp4", "three.mp4", "withaudio.mp4", "raw.h264", "rot90.mp4"]

    private init() {
        let tmp = FileManager.default.temporaryDirectory
        // Remove matrices left by earlier runs whose process is gone.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where entry.hasPrefix("litevl-video-tests-") {
            if let pid = Int32(entry.dropFirst("litevl-video-tests-".count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(entry))
            }
        }
        dir = tmp.appendingPathComponent("litevl-video-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var failures: [String: String] = [:]
        guard let ffmpeg = Fixtures.ffmpeg else {
            self.failures = ["*": "ffmpeg not installed"]
            return
        }
        let dir = self.dir
        final class Box: @unchecked Sendable { let lock = NSLock(); var failures: [String: String] = [:] }
        let box = Box()
        let recipes = Matrix.recipes
        DispatchQueue.concurrentPerform(iterations: recipes.count) { i in
            let (name, args) = recipes[i]
            let r = Fixtures.run(ffmpeg, ["-v", "error", "-nostdin", "-y"] + args + [dir.appendingPathComponent(name).path])
            if r.status != 0 { box.lock.lock(); box.failures[name] = r.err; box.lock.unlock() }
        }
        failures = box.failures
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        func data(_ n: String) -> Data { (try? Data(contentsOf: URL(fileURLWithPath: path(n)))) ?? Data() }
        // Derived files.
        let fm = FileManager.default
        if Fixtures.run(ffmpeg, ["-v", "error", "-nostdin", "-y", "-i", path("h264.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", path("rot90.mp4")]).status != 0 {
            failures["rot90.mp4"] = "ffmpeg failed"
        }
        _ = Fixtures.run(ffmpeg, ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-i", path("cover.png"),
                                  "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic", path("cover.mp3")])
        let fast = data("faststart.mp4")
        _ = fm.createFile(atPath: path("truncated.mp4"), contents: fast.prefix(fast.count * 6 / 10))
        let moovAtEnd = data("h264.mp4")
        _ = fm.createFile(atPath: path("truncated_no_moov.mp4"), contents: moovAtEnd.prefix(moovAtEnd.count * 6 / 10))
        var corrupt = [UInt8](fast)
        var seed: UInt32 = 12345
        for i in (corrupt.count * 45 / 100)..<(corrupt.count * 55 / 100) {
            seed = seed &* 1_103_515_245 &+ 12345
            corrupt[i] = UInt8(truncatingIfNeeded: seed >> 16)
        }
        _ = fm.createFile(atPath: path("corrupt_middle.mp4"), contents: Data(corrupt))
        var mkv = [UInt8](data("opengop.mkv"))
        if let r = mkv.firstRange(of: Array("V_MPEG4/ISO/AVC".utf8)) {
            mkv.replaceSubrange(r, with: Array("V_LITEVL/NOPE/X".utf8))
            _ = fm.createFile(atPath: path("unsupported.mkv"), contents: Data(mkv))
        }
        _ = fm.createFile(atPath: path("zeros.mp4"), contents: Data(count: 200_000))
        _ = fm.createFile(atPath: path("text.mp4"), contents: Data("This is a text file that somebody renamed to .mp4.\nIt has no video in it.\n".utf8))
        _ = fm.createFile(atPath: path("empty.mp4"), contents: Data())
        _ = fm.createFile(atPath: path("unreadable.mp4"), contents: fast)
        chmod(path("unreadable.mp4"), 0)
        try? fm.createDirectory(atPath: path("directory.mp4"), withIntermediateDirectories: true)
        self.failures = failures
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The path of a generated file, recording an issue when it could not be made.
    func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let f = failures[name] ?? failures["*"] {
            Issue.record("could not generate \(name): \(f)", sourceLocation: sourceLocation)
            return nil
        }
        return path(name)
    }
}
