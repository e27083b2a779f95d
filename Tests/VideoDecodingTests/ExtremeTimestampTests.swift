import Foundation
import Testing
@testable import VideoDecoding

/// A minimal Matroska writer: one MJPEG track, one cluster per frame, cluster timestamps chosen by
/// the test (in units of a 1 s timestamp scale). FFmpeg accepts whatever timestamps the file states,
/// so this makes files whose headers claim absurd times, as a damaged or hostile file can.
enum MatroskaWriter {
    static func size(_ n: Int) -> [UInt8] {
        // An 8-byte EBML size: 0x01 then 7 bytes.
        [0x01] + (0..<7).reversed().map { UInt8((n >> ($0 * 8)) & 0xFF) }
    }
    static func uint(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8((v >> (UInt64($0) * 8)) & 0xFF) } }
    static func element(_ id: [UInt8], _ payload: [UInt8]) -> [UInt8] { id + size(payload.count) + payload }

    /// A Matroska file of `frames` (JPEG images) at `timestamps` seconds; `defaultDuration` (ns) is the
    /// track's stated frame duration, from which FFmpeg takes its frame rate.
    static func file(frames: [Data], timestamps: [UInt64], width: Int, height: Int, defaultDuration: UInt64? = nil) -> Data {
        let ebml = element([0x1A, 0x45, 0xDF, 0xA3],
                           element([0x42, 0x86], uint(1)) + element([0x42, 0xF7], uint(1)) + element([0x42, 0xF2], uint(4)) +
                           element([0x42, 0xF3], uint(8)) + element([0x42, 0x82], Array("matroska".utf8)) +
                           element([0x42, 0x87], uint(4)) + element([0x42, 0x85], uint(2)))
        let info = element([0x15, 0x49, 0xA9, 0x66],
                           element([0x2A, 0xD7, 0xB1], uint(1_000_000_000)) + element([0x4D, 0x80], Array("x".utf8)) +
                           element([0x57, 0x41], Array("x".utf8)))
        let video = element([0xE0], element([0xB0], uint(UInt64(width))) + element([0xBA], uint(UInt64(height))))
        let track = element([0xAE], element([0xD7], uint(1)) + element([0x73, 0xC5], uint(1)) + element([0x83], uint(1)) +
                            element([0x86], Array("V_MJPEG".utf8)) +
                            (defaultDuration.map { element([0x23, 0xE3, 0x83], uint($0)) } ?? []) + video)
        let tracks = element([0x16, 0x54, 0xAE, 0x6B], track)
        var clusters: [UInt8] = []
        for (frame, t) in zip(frames, timestamps) {
            // SimpleBlock: track 1, relative time 0, keyframe flag.
            let block = [0x81, 0x00, 0x00, 0x80] + [UInt8](frame)
            clusters += element([0x1F, 0x43, 0xB6, 0x75], element([0xE7], uint(t)) + element([0xA3], block))
        }
        return Data(ebml + element([0x18, 0x53, 0x80, 0x67], info + tracks + clusters))
    }
}

@Suite("Absurd timestamps: a clear error or frames, never a trap")
struct ExtremeTimestampTests {
    /// Ten 64×48 JPEG frames made by ffmpeg.
    static func jpegFrames(in dir: URL) throws -> [Data] {
        let pattern = dir.appendingPathComponent("f%02d.jpg").path
        let r = Fixtures.run(Fixtures.ffmpeg!, ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
                                                "-frames:v", "10", "-c:v", "mjpeg", "-q:v", "5", "-f", "image2", pattern])
        #expect(r.status == 0, "ffmpeg: \(r.err)")
        return try (1...10).map { try Data(contentsOf: dir.appendingPathComponent(String(format: "f%02d.jpg", $0))) }
    }

    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"))
    func probeAndSampleSurvive() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-extreme-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let frames = try Self.jpegFrames(in: dir)
        // (name, frame times in s, stated frame duration in ns: 33,334 claims 30,000 fps)
        let cases: [(String, [UInt64], UInt64?)] = [
            ("start_2e62.mkv", Array(repeating: 1 << 62, count: 10), nil),     // every frame at 2^62 s
            ("end_2e60.mkv", [0] + Array(repeating: 1 << 60, count: 9), nil), // the last nine at 2^60 s
            ("last_2e50.mkv", Array(0..<9) + [1 << 50], 33_334),              // 2^50 s at 30,000 fps: 3e19 frames
            ("last_1e14.mkv", Array(0..<9) + [100_000_000_000_000], 33_334),  // 3e18 frames: x 4 overflows
        ]
        for (name, times, frameDuration) in cases {
            let path = dir.appendingPathComponent(name).path
            let data = MatroskaWriter.file(frames: frames, timestamps: times, width: 64, height: 48, defaultDuration: frameDuration)
            #expect(FileManager.default.createFile(atPath: path, contents: data))
            // The probe states what the file claims; its description formats the absurd numbers.
            let probe = try VideoFile.probe(path)
            #expect(probe.frameCount >= 1 && probe.frameCount <= VideoFile.maxFrameCount, "\(name): \(probe.frameCount) frames")
            #expect(probe.summary.contains("duration:"))
            // Sampling either gives frames or one clear error about this file.
            let result = Result { () throws(VideoError) in try FrameSampler(count: 4, size: 32).sample(path: path) }
            switch result {
            case .success(let clip):
                #expect(clip.frames.count == 4, "\(name)")
                let finite = clip.tensor.allSatisfy { $0.isFinite }
                #expect(finite, "\(name)")
            case .failure(let error):
                let message = error.description
                #expect(error.path == path && !message.contains("\n"), "\(name): \(message)")
            }
        }
    }

    @Test func formatFixedBeyondInt64() {
        #expect(formatFixed(1.5, 3) == "1.500")
        #expect(formatFixed(-0.25, 2) == "-0.25")
        #expect(formatFixed(4.611686018427388e18, 3) == "\(4.611686018427388e18)")
        #expect(formatFixed(.infinity, 3) == "inf")
    }

    @Test func saturatingConversions() {
        #expect(Int64(saturating: 1e300) == .max)
        #expect(Int64(saturating: -1e300) == .min)
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: 41.9) == 41)
        #expect(VideoFile.frameCount(3e18) == VideoFile.maxFrameCount)
        #expect(VideoFile.frameCount(0.2) == 1)
    }
}
