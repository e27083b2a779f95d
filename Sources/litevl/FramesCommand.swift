import ArgumentParser
import Foundation
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

    @Option(name: .shortAndLong, help: "Number of frames to sample.")
    var count = 8

    @Option(name: .shortAndLong, help: "Directory to write into (default: <file name>-frames).")
    var out: String?

    @Option(help: "Side of the square model input, in pixels.")
    var size = 224

    @Option(help: "Image format: png or ppm.")
    var format = "png"

    @Flag(help: "Also write each frame's UI thumbnail (thumb-NN.png).")
    var thumbnails = false

    @Option(name: .customLong("thumbnail-box"), help: "The box thumbnails fit in, WxH (the app uses 320x240).")
    var thumbnailBox = "160x120"

    @Option(help: "How to reach the frames: auto, seek or forward.")
    var strategy = "auto"

    @Option(help: "Decoder threads (0: FFmpeg chooses).")
    var threads = 0

    @Option(help: "Benchmark: sample N times (opening included), print timings and peak memory, write nothing.")
    var bench: Int?

    func validate() throws {
        guard format == "png" || format == "ppm" else { throw ValidationError("--format must be png or ppm") }
        guard SamplingStrategy(rawValue: strategy) != nil else { throw ValidationError("--strategy must be auto, seek or forward") }
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
        let box = Self.box(thumbnailBox) ?? (160, 120)
        let sampler = FrameSampler(count: count, size: size, thumbnailMaxWidth: box.width, thumbnailMaxHeight: box.height,
                                   strategy: SamplingStrategy(rawValue: strategy)!)
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
            printError("\(dir): cannot create the output directory (\(error.localizedDescription)); choose another with --out")
            throw ExitCode(1)
        }
        var table = "index\ttimestamp_s\ttarget_s\tpts\trepeated\tdamaged\tfile\n"
        for f in clip.frames {
            let name = String(format: "frame-%02d.%@", f.index, format)
            let path = (dir as NSString).appendingPathComponent(name)
            let note = "litevl frame \(f.index) of \(clip.frames.count) from \(file) at \(String(format: "%.6f", f.timestamp)) s"
            try write(try encode(f.image, note: note, path: path), to: path)
            if thumbnails {
                let thumbPath = (dir as NSString).appendingPathComponent(String(format: "thumb-%02d.%@", f.index, format))
                try write(try encode(f.thumbnail, note: nil, path: thumbPath), to: thumbPath)
            }
            table += "\(f.index)\t\(String(format: "%.6f", f.timestamp))\t\(String(format: "%.6f", f.targetTime))\t\(f.pts)\t\(f.repeated)\t\(f.damaged)\t\(name)\n"
            print(String(format: "%2d  %10.6f s  %@%@%@", f.index, f.timestamp, path,
                         f.repeated ? "  (repeated)" : "", f.damaged ? "  (damaged)" : ""))
        }
        try write(Array(table.utf8), to: (dir as NSString).appendingPathComponent("frames.tsv"))
    }

    /// PNG through FFmpeg's encoder (with the note as a `Comment` text chunk), or PPM.
    private func encode(_ image: RGBImage, note: String?, path: String) throws -> [UInt8] {
        guard format == "png" else { return ImageFile.ppm(image) }
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
        let stats = last!.stats
        print(String(format: "{\"impl\": \"litevl\", \"file\": \"%@\", \"count\": %d, \"size\": %d, \"strategy\": \"%@\", \"threads\": %d, \"runs\": %d, \"median_ms\": %.2f, \"min_ms\": %.2f, \"max_rss_mb\": %.1f, \"seeks\": %d, \"frames_decoded\": %d, \"packets\": %d, \"timestamps\": [%@]}",
                     file, count, size, strategy, threads, runs, median, sorted[0], Double(usage.ru_maxrss) / 1024,
                     stats.seeks, stats.framesDecoded, stats.packetsRead,
                     last!.frames.map { String(format: "%.6f", $0.timestamp) }.joined(separator: ", ")))
    }
}
