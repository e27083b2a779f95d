import Foundation
import Testing
@testable import VideoDecoding

/// Checks shared by the real-clip and generated-matrix tests.
enum DecodeChecks {
    /// Samples `path` and checks every frame's timestamp against ffprobe's frame list (the frame
    /// shown at each target), the repeat flags, the shapes, and the pixels of `pixelChecks` frames
    /// against the ffmpeg CLI's own decode and bicubic scale of the same frame.
    @discardableResult
    static func matchesFFmpeg(_ path: String, count: Int = 8, size: Int = 224, pixelChecks: Int = 2,
                              meanTolerance: Double = 0.5, maxTolerance: Int = 8,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> SampledClip {
        let clip = try FrameSampler(count: count, size: size).sample(path: path)
        let name = (path as NSString).lastPathComponent
        #expect(clip.frames.count == count, "\(name): frame count", sourceLocation: sourceLocation)
        let times = Fixtures.ffprobeFrameTimes(path, fallbackRate: clip.probe.averageFrameRate)
        #expect(!times.isEmpty, "\(name): ffprobe listed no frames", sourceLocation: sourceLocation)
        var checked = 0
        for (i, f) in clip.frames.enumerated() {
            #expect(f.index == i, sourceLocation: sourceLocation)
            #expect(f.pixels.count == 3 * size * size, sourceLocation: sourceLocation)
            #expect(f.image.width == size && f.image.height == size, sourceLocation: sourceLocation)
            #expect(f.thumbnail.width <= 160 && f.thumbnail.height <= 120 && (f.thumbnail.width == 160 || f.thumbnail.height == 120),
                    "\(name): thumbnail \(f.thumbnail.width)x\(f.thumbnail.height)", sourceLocation: sourceLocation)
            #expect(f.repeated == (i > 0 && clip.frames[i - 1].pts == f.pts), sourceLocation: sourceLocation)
            if i > 0 { #expect(f.timestamp >= clip.frames[i - 1].timestamp, sourceLocation: sourceLocation) }
            guard let expected = Fixtures.expectedFrame(at: f.targetTime, in: times) else { continue }
            #expect(abs(f.timestamp - expected.time) < 2e-6,
                    "\(name) frame \(i): target \(f.targetTime) s gave \(f.timestamp) s, ffprobe's frame there is \(expected.time) s",
                    sourceLocation: sourceLocation)
            // Pixels: spread the checks over the clip (first sample, then later ones).
            let step = max(1, count / max(1, pixelChecks))
            if checked < pixelChecks && i % step == 0 && !f.repeated {
                checked += 1
                guard let ref = Fixtures.ffmpegFrame(path, index: expected.index, size: size, rotation: clip.probe.rotation) else {
                    Issue.record("\(name): ffmpeg could not decode frame \(expected.index)", sourceLocation: sourceLocation)
                    continue
                }
                let d = Fixtures.difference(f.image.pixels, ref)
                if ProcessInfo.processInfo.environment["LITEVL_TEST_VERBOSE"] != nil {
                    print("pixels \(name) frame \(i): mean \(d.mean) max \(d.max)")
                }
                #expect(d.mean <= meanTolerance && d.max <= maxTolerance,
                        "\(name) frame \(i) (\(f.timestamp) s): mean |diff| \(d.mean), max \(d.max) vs ffmpeg",
                        sourceLocation: sourceLocation)
            }
        }
        return clip
    }

    /// Every strategy, a second run on the same open file, and single-threaded decoding all give
    /// the same frames and pixels.
    static func deterministic(_ path: String, count: Int = 8, size: Int = 64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try VideoFile.open(path)
        let reference = try FrameSampler(count: count, size: size, strategy: .auto).sample(file)
        var runs: [(String, SampledClip)] = [("auto again", try FrameSampler(count: count, size: size, strategy: .auto).sample(file))]
        for s in [SamplingStrategy.seekEach, .forward] {
            runs.append((s.rawValue, try FrameSampler(count: count, size: size, strategy: s).sample(file)))
        }
        runs.append(("1 thread", try FrameSampler(count: count, size: size).sample(path: path, threads: 1)))
        let name = (path as NSString).lastPathComponent
        for (label, clip) in runs {
            #expect(clip.frames.map(\.pts) == reference.frames.map(\.pts), "\(name): \(label) picked other frames", sourceLocation: sourceLocation)
            for (a, b) in zip(clip.frames, reference.frames) where a.pts == b.pts {
                #expect(a.image == b.image, "\(name): \(label) decoded frame at \(a.timestamp) s differently", sourceLocation: sourceLocation)
                #expect(a.thumbnail == b.thumbnail, sourceLocation: sourceLocation)
                #expect(a.pixels == b.pixels, sourceLocation: sourceLocation)
            }
        }
    }
}
