import Foundation
import Testing
@testable import VideoDecoding

/// Files generated with the ffmpeg CLI: codecs, containers, pixel formats and awkward cases.
@Suite("Generated matrix", .enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed: the generated test matrix is skipped"))
struct MatrixTests {
    @Test(arguments: Matrix.decodable)
    func framesMatchFFmpeg(name: String) throws {
        guard let path = Matrix.shared.require(name) else { return }
        try DecodeChecks.matchesFFmpeg(path, pixelChecks: 2)
    }

    @Test(arguments: Matrix.decodable)
    func deterministicAcrossStrategies(name: String) throws {
        guard let path = Matrix.shared.require(name) else { return }
        try DecodeChecks.deterministic(path)
    }

    @Test func probeReportsFormats() throws {
        let m = Matrix.shared
        func probe(_ n: String) throws -> VideoProbe? { try m.require(n).map { try VideoFile.probe($0) } }
        if let p = try probe("h264_10bit.mp4") { #expect(p.bitDepth == 10 && p.pixelFormat == "yuv420p10le" && p.chroma == "4:2:0") }
        if let p = try probe("h264_444.mp4") { #expect(p.chroma == "4:4:4" && p.bitDepth == 8) }
        if let p = try probe("prores.mov") { #expect(p.codec == "prores" && p.bitDepth == 10 && p.chroma == "4:2:2") }
        if let p = try probe("mjpeg.avi") { #expect(p.colorRange == "full" && p.keyframeCount == 50) }
        if let p = try probe("h264_fullrange.mp4") { #expect(p.colorRange == "full") }
        if let p = try probe("h264_bt709.mp4") { #expect(p.colorSpace == "bt709") }
        if let p = try probe("odd.mkv") { #expect(p.width == 175 && p.height == 97) }
        if let p = try probe("mpeg2.ts") { #expect(abs(p.startTime - 1.44) < 1e-6 && p.frameCountIsEstimated && p.codec == "mpeg2video") }
        if let p = try probe("vp9.webm") { #expect(p.codec == "vp9" && p.frameCount == 50 && p.frameCountIsEstimated) }
        if let p = try probe("av1.mkv") { #expect(p.codec == "av1") }
        if let p = try probe("hevc.mp4") { #expect(p.codec == "hevc") }
        if let p = try probe("withaudio.mp4") { #expect(p.audioStreamCount == 1 && p.videoStreamCount == 1) }
        if let p = try probe("raw.h264") { #expect(p.durationIsEstimated && abs(p.duration - 2) < 0.05) }
        if let p = try probe("h264.mp4") { #expect(!p.isVariableFrameRate && p.frameCount == 50) }
    }

    @Test func variableFrameRateSamplesByTimestamp() throws {
        guard let path = Matrix.shared.require("vfr.mp4") else { return }
        let p = try VideoFile.probe(path)
        #expect(p.isVariableFrameRate)
        #expect(p.frameCount == 50 && abs(p.duration - 6.64) < 1e-6)
        // 20 frames at 25 fps then 30 at 5 fps: sampling by index × average fps would land elsewhere.
        let clip = try FrameSampler(count: 4).sample(path: path)
        #expect(clip.frames.map { Fixtures.micro($0.timestamp) } == [0.8, 2.4, 4.0, 5.8])
    }

    @Test func rotationIsApplied() throws {
        guard let path = Matrix.shared.require("rot90.mp4") else { return }
        let p = try VideoFile.probe(path)
        #expect(p.rotation == 270) // ffmpeg's convention for this display matrix (ffprobe says rotation=90 counter-clockwise)
        #expect(p.displayWidth == 120 && p.displayHeight == 160)
        let clip = try FrameSampler(count: 2).sample(path: path)
        let thumb = clip.frames[0].thumbnail
        #expect(thumb.width == 90 && thumb.height == 120, "portrait thumbnail, got \(thumb.width)x\(thumb.height)")
        // The same frame from the unrotated file, turned by hand, matches.
        let plain = try FrameSampler(count: 2).sample(path: Matrix.shared.path("h264.mp4"))
        #expect(clip.frames[0].image == plain.frames[0].image.rotated(clockwise: 270))
        // And it agrees with ffmpeg's autorotation (which turns before scaling: small differences at edges).
        let index = Int((clip.frames[0].timestamp * 25).rounded())
        if let ref = Fixtures.ffmpegFrame(path, index: index, size: 224, rotation: nil) {
            let d = Fixtures.difference(clip.frames[0].image.pixels, ref)
            #expect(d.mean < 5, "mean |diff| \(d.mean) against ffmpeg's autorotated frame")
        }
    }

    @Test(arguments: [("one.mp4", 1), ("three.mp4", 3)])
    func shortClipsRepeatFrames(name: String, distinct: Int) throws {
        guard let path = Matrix.shared.require(name) else { return }
        let clip = try FrameSampler(count: 8).sample(path: path)
        #expect(clip.frames.count == 8)
        #expect(clip.distinctFrameCount == distinct)
        #expect(Set(clip.frames.map(\.pts)).count == distinct)
        #expect(clip.frames.filter(\.repeated).count == 8 - distinct)
        #expect(clip.warnings.contains { $0.contains("repeat") }, "\(clip.warnings)")
    }

    @Test func truncatedFileSamplesWhatExists() throws {
        guard let path = Matrix.shared.require("truncated.mp4") else { return }
        let clip = try FrameSampler(count: 8).sample(path: path)
        #expect(clip.frames.count == 8)
        #expect(clip.warnings.contains { $0.contains("truncated") }, "\(clip.warnings)")
        #expect(clip.distinctFrameCount == 8)
        #expect(clip.frames.last!.timestamp < 1.3)
    }

    @Test func corruptionInTheMiddleGivesFramesAndAWarning() throws {
        guard let path = Matrix.shared.require("corrupt_middle.mp4") else { return }
        let clip = try FrameSampler(count: 8).sample(path: path)
        #expect(clip.frames.count == 8)
        #expect(clip.distinctFrameCount >= 5)
        #expect(!clip.warnings.isEmpty)
        #expect(clip.warnings.contains { $0.contains("damaged") }, "\(clip.warnings)")
    }

    @Test func longClipIsNotReadWhole() throws {
        guard let path = Matrix.shared.require("long.mp4") else { return }
        let p = try VideoFile.probe(path)
        #expect(p.frameCount == 15000 && abs(p.duration - 600) < 1e-6)
        let clip = try FrameSampler(count: 8).sample(path: path)
        // 8 seeks, each decoding at most one 2-second GOP: a few hundred of 15000 packets.
        #expect(clip.stats.seeks <= 8)
        #expect(clip.stats.packetsRead < 8 * 60, "read \(clip.stats.packetsRead) packets")
        #expect(clip.frames.map { Fixtures.micro($0.timestamp) } == [37.48, 112.48, 187.48, 262.48, 337.48, 412.48, 487.48, 562.48])
        #expect(clip.stats.seconds < 10)
    }
}
