import Foundation
import Testing
import VideoDecoding

/// Inputs from fuzzing the video opener (Fuzz/Sources/FuzzVideo, scripts/fuzz.sh video): the seed
/// clips must open and sample like the fuzz target does, and every crash reproducer in
/// Fuzz/crashes/video/ (none so far) must give a VideoError instead of a crash.
@Suite("Fuzz regressions (video)")
struct VideoFuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ kind: String) -> [URL] {
        let dir = fuzz.appendingPathComponent(kind).appendingPathComponent("video")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static let sampler = FrameSampler(count: 3, size: 32, thumbnailMaxWidth: 16, thumbnailMaxHeight: 12, timeLimit: 10)

    @Test("the seed clips (H.264, MPEG-4, VP9, GIF, MJPEG; 32x32, 3 frames) open and sample 3 frames")
    func seeds() throws {
        let seeds = Self.inputs("corpus")
        #expect(seeds.count >= 5)
        for url in seeds {
            let file = try VideoFile.open(url.path, threads: 1)
            let clip = try Self.sampler.sample(file)
            #expect(clip.frames.count == 3, "\(url.lastPathComponent)")
        }
    }

    @Test("crash reproducers give a VideoError")
    func reproducers() {
        for url in Self.inputs("crashes") {
            do { _ = try Self.sampler.sample(VideoFile.open(url.path, threads: 1)) } catch { #expect(!"\(error)".isEmpty) }
        }
    }
}
