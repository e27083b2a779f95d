import Foundation
import Testing
@testable import VideoDecoding

@Suite("Real clips in ../shared/clips", .enabled(if: Fixtures.clipsPresent, "../shared/clips is missing"))
struct RealClipTests {
    @Test func probeBikes() throws {
        let p = try VideoFile.probe(Fixtures.clip("bikes.mp4"))
        #expect(p.codec == "h264" && p.profile == "High")
        #expect(p.width == 640 && p.height == 272 && p.rotation == 0)
        #expect(p.frameCount == 250 && !p.frameCountIsEstimated)
        #expect(abs(p.duration - 10) < 1e-9 && p.startTime == 0 && !p.durationIsEstimated)
        #expect(abs(p.averageFrameRate - 25) < 1e-9 && !p.isVariableFrameRate)
        #expect(p.keyframeCount == 6)
        #expect(p.pixelFormat == "yuv420p" && p.bitDepth == 8 && p.chroma == "4:2:0")
        #expect(p.audioStreamCount == 0 && p.videoStreamCount == 1)
    }

    @Test func probeBigBuckBunnyIgnoresAudio() throws {
        let p = try VideoFile.probe(Fixtures.clip("bigbuckbunny.mp4"))
        #expect(p.width == 1280 && p.height == 720)
        #expect(p.frameCount == 132 && p.keyframeCount == 1)
        #expect(p.audioStreamCount == 1)
        #expect(abs(p.duration - 5.28) < 1e-6)
    }

    @Test func probeCarphone() throws {
        let p = try VideoFile.probe(Fixtures.clip("carphone_pristine.mp4"))
        #expect(p.width == 176 && p.height == 144)
        #expect(abs(p.averageFrameRate - 30000.0 / 1001) < 1e-6)
        #expect(p.frameCount == 120)
        // Codable round trip.
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(VideoProbe.self, from: data) == p)
    }

    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"),
          arguments: ["bikes.mp4", "bigbuckbunny.mp4", "carphone_pristine.mp4"])
    func framesMatchFFmpeg(name: String) throws {
        try DecodeChecks.matchesFFmpeg(Fixtures.clip(name), pixelChecks: 2)
    }

    @Test(arguments: ["bikes.mp4", "carphone_pristine.mp4"])
    func deterministicAcrossStrategies(name: String) throws {
        try DecodeChecks.deterministic(Fixtures.clip(name))
    }

    @Test func bigBuckBunnyIsReadInOneForwardPass() throws {
        let clip = try FrameSampler().sample(path: Fixtures.clip("bigbuckbunny.mp4"))
        #expect(clip.stats.seeks == 0)
        #expect(clip.plan.seekBefore.allSatisfy { !$0 })
        #expect(clip.frames.map { Fixtures.micro($0.timestamp) } == [0.32, 0.96, 1.64, 2.28, 2.96, 3.6, 4.28, 4.92])
        #expect(clip.warnings.isEmpty)
        #expect(clip.tensor.count == 8 * 3 * 224 * 224)
    }

    @Test func bikesSeeksPastKeyframesOnly() throws {
        let clip = try FrameSampler().sample(path: Fixtures.clip("bikes.mp4"))
        #expect(clip.stats.seeks >= 1)
        #expect(clip.stats.framesDecoded < 250)
        #expect(clip.frames.map { Fixtures.micro($0.timestamp) } == [0.6, 1.84, 3.12, 4.36, 5.6, 6.84, 8.12, 9.36])
        #expect(clip.frames.allSatisfy { !$0.repeated && !$0.damaged })
    }

    @Test func thumbnailsKeepAspectAndPixelAspect() throws {
        let bikes = try FrameSampler(count: 2, thumbnailMaxWidth: 160, thumbnailMaxHeight: 120).sample(path: Fixtures.clip("bikes.mp4"))
        #expect(bikes.frames[0].thumbnail.width == 160 && bikes.frames[0].thumbnail.height == 68)
        // carphone: 176x144 with SAR 128:117 is shown 193x144 → 120 high, 161 wide clipped to the box width.
        let car = try FrameSampler(count: 2, thumbnailMaxWidth: 80, thumbnailMaxHeight: 80).sample(path: Fixtures.clip("carphone_pristine.mp4"))
        #expect(car.frames[0].thumbnail.width == 80 && car.frames[0].thumbnail.height == 60)
    }

    @Test func manySamplesAndCustomSize() throws {
        let clip = try FrameSampler(count: 32, size: 96).sample(path: Fixtures.clip("carphone_pristine.mp4"))
        #expect(clip.frames.count == 32 && clip.frames.allSatisfy { $0.pixels.count == 3 * 96 * 96 })
        #expect(clip.distinctFrameCount == 32)
    }
}
