import ArgumentParser
import Foundation
import enum TerminalUI.FileProblem
import VideoDecoding

/// `litevl frames FILE [--count T] [--out DIR]`: writes the frames the model would see.
struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Write the frames sampled from a video as PNG (or PPM) images, with their timestamps.",
        discussion: """
            The images are exactly the model's input before normalisation: COUNT frames at the \
            middles of COUNT equal segments of the clip, resized to SIZE x SIZE (bicubic, aspect \
            ratio not kept), rotation applied. frames.tsv lists each file with its timestamp.
            """)

    @Argument(help: "The video file.")
    var file: String

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Number of frames to sample.")
    var count = 8

    @Option(name: .shortAndLong, help: "Directory to write into (default: <file name>-frames).")
    var out: String?

    @Option(parsing: .unconditional, help: "Side of the square model input, in pixels.")
    var size = 224

    /// The image files `frames` writes.
    enum ImageFormat: String, ExpressibleByArgument, CaseIterable { case png, ppm }

    @Option(help: "Image format: png or ppm.")
    var format: ImageFormat = .png

    @Flag(help: "Also write each frame's UI thumbnail (thumb-NN.png, or .ppm with --format ppm).")
    var thumbnails = false

    @Option(name: .customLong("thumbnail-box"), help: "The box thumbnails fit in, WxH (the app uses 320x240).")
    var thumbnailBox = "160x120"

    @Option(help: "How to reach the frames: auto, seek or forward.")
    var strategy: SamplingStrategy = .auto

    @Option(parsing: .unconditional, help: "Decoder threads (0: FFmpeg chooses).")
    var threads = 0

    @Option(parsing: .unconditional, help: "Benchmark: sample N times (opening included), print timings and peak memory, write nothing.")
    var bench: Int?

    func validate() throws {
        guard count >= 1 && count <= 10_000 else { throw ValidationError("--count must be between 1 and 10000") }
        guard size >= 1 && size <= 8192 else { throw ValidationError("--size must be between 1 and 8192") }
        if let bench, bench < 1 { throw ValidationError("--bench must be at least 1") }
        // FFmpeg starts that many decoder threads; more than 64 only costs memory and start-up.
        guard (0...64).contains(threads) else { throw ValidationError("--threads must be between 0 (FFmpeg chooses) and 64") }
        guard let box = Self.box(thumbnailBox), (1...8192).contains(box.width), (1...8192).contains(box.height) else {
            throw ValidationError("--thumbnail-box must be WxH between 1x1 and 8192x8192, e.g. 320x240")
        }
    }

    static func box(_ s: String) -> (width: Int, height: Int)? {
        let parts = s.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else { return nil }
        return (w, h)
    }

    func run() throws {
        guard let box = Self.box(thumbnailBox) else { throw ValidationError("--thumbnail-box must be WxH") }  // validate() checked it
        let sampler = FrameSampler(count: count, size: size, thumbnailMaxWidth: box.width, thumbnailMaxHeight: box.height,
                                   strategy: strategy)
        if let bench { return try runBench(sampler, runs: bench) }

        let clip: SampledClip
        do {
            clip = try sampler.sample(path: file, threads: threads)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        for w in clip.warnings { printError("warning: \(w)") }

        let dir = out ?? (URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + "-frames")
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            printError("\(dir): cannot create the output directory (\(FileProblem.reason(error, path: dir))); choose another with --out")
            throw ExitCode(1)
        }
        var table = "index\ttimestamp_s\ttarget_s\tpts\trepeated\tdamaged\tfile\n"
        // Zero-padded so that names sort in frame order (frame-099 before frame-100).
        let digits = max(2, String(max(clip.frames.count - 1, 0)).count)
        func fileName(_ stem: String, _ index: Int) -> String {
            let number = String(index)
            return "\(stem)-\(String(repeating: "0", count: max(0, digits - number.count)))\(number).\(format.rawValue)"
        }
        var written: Set<String> = ["frames.tsv"]
        for f in clip.frames {
            let name = fileName("frame", f.index)
            written.insert(name)
            let path = (dir as NSString).appendingPathComponent(name)
            let note = "litevl frame \(f.index) of \(clip.frames.count) from \(file) at \(String(format: "%.6f", f.timestamp)) s"
            try write(try encode(f.image, note: note, path: path), to: path)
            if thumbnails {
                let thumbName = fileName("thumb", f.index)
                written.insert(thumbName)
                let thumbPath = (dir as NSString).appendingPathComponent(thumbName)
                try write(try encode(f.thumbnail, note: nil, path: thumbPath), to: thumbPath)
            }
            table += "\(f.index)\t\(String(format: "%.6f", f.timestamp))\t\(String(format: "%.6f", f.targetTime))\t\(f.pts)\t\(f.repeated)\t\(f.damaged)\t\(name)\n"
            printText(String(format: "%2d  %10.6f s  %@%@%@", f.index, f.timestamp, path,
                         f.repeated ? "  (repeated)" : "", f.damaged ? "  (damaged)" : ""))
        }
        try write(Array(table.utf8), to: (dir as NSString).appendingPathComponent("frames.tsv"))
        // Frames of an earlier run into the same folder stay (they are the user's files) but are not this clip's.
        let stale = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { ($0.hasPrefix("frame-") || $0.hasPrefix("thumb-")) && ($0.hasSuffix(".png") || $0.hasSuffix(".ppm")) && !written.contains($0) }
        if !stale.isEmpty {
            printError("warning: \(dir) also holds \(stale.count) frame file(s) from an earlier run (\(stale.sorted().prefix(3).joined(separator: ", "))\(stale.count > 3 ? ", …" : "")); frames.tsv lists this run's")
        }
    }

    /// PNG through FFmpeg's encoder (with the note as a `Comment` text chunk), or PPM.
    private func encode(_ image: RGBImage, note: String?, path: String) throws -> [UInt8] {
        guard format == .png else { return ImageFile.ppm(image) }
        do { return try PNGEncoder.encode(image, text: note.map { [("Comment", $0)] } ?? []) } catch {
            printError("\(path): \(error.message)")
            throw ExitCode(1)
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            printError("\(path): cannot write the file; check the directory's permissions and free space")
            throw ExitCode(1)
        }
    }

    private func runBench(_ sampler: FrameSampler, runs: Int) throws {
        var times: [Double] = []
        var last: SampledClip?
        for _ in 0..<runs {
            let t0 = Date()
            do {
                last = try sampler.sample(path: file, threads: threads)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            times.append(Date().timeIntervalSince(t0) * 1000)
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let sorted = times.sorted()
        let median = sorted[sorted.count / 2]
        guard let last else { return }
        let stats = last.stats
        // Real JSON (a file name may hold quotes or backslashes), keys sorted for stable output.
        let object: [String: Any] = [
            "impl": "litevl", "file": file, "count": count, "size": size, "strategy": strategy.rawValue, "threads": threads,
            "runs": runs, "median_ms": (median * 100).rounded() / 100, "min_ms": (sorted[0] * 100).rounded() / 100,
            "max_rss_mb": (Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10,
            "seeks": stats.seeks, "frames_decoded": stats.framesDecoded, "packets": stats.packetsRead,
            "timestamps": last.frames.map { ($0.timestamp * 1e6).rounded() / 1e6 },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}

extension SamplingStrategy: ExpressibleByArgument {}
