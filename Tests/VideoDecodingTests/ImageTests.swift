import Foundation
import Testing
@testable import VideoDecoding

@Suite("Images, PNG, normalisation")
struct ImageTests {
    static func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var p: [UInt8] = []
        for y in 0..<h { for x in 0..<w { p += [UInt8(x & 255), UInt8(y & 255), UInt8((x * 7 + y * 3) & 255)] } }
        return RGBImage(width: w, height: h, pixels: p)
    }

    @Test func rotations() {
        let img = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0) })
        let cw = img.rotated(clockwise: 90)
        #expect(cw.width == 2 && cw.height == 3)
        // Clockwise: the bottom-left pixel (0,1) goes to the top-left.
        #expect(cw[0, 0] == img[0, 1])
        #expect(cw[1, 0] == img[0, 0])
        #expect(img.rotated(clockwise: 180)[0, 0] == img[2, 1])
        #expect(img.rotated(clockwise: 270)[0, 0] == img[2, 0])
        #expect(cw.rotated(clockwise: 270) == img)
        #expect(img.rotated(clockwise: 90).rotated(clockwise: 90).rotated(clockwise: 90).rotated(clockwise: 90) == img)
    }

    @Test func normalisation() {
        let img = RGBImage(width: 2, height: 1, pixels: [255, 0, 128, 0, 255, 64])
        let t = Normalization.blip.tensor(from: img)
        #expect(t.count == 6)
        #expect(abs(t[0] - (1 - 0.48145466) / 0.26862954) < 1e-5)          // R of pixel 0
        #expect(abs(t[1] - (0 - 0.48145466) / 0.26862954) < 1e-5)          // R of pixel 1
        #expect(abs(t[2] - (0 - 0.4578275) / 0.26130258) < 1e-5)           // G of pixel 0
        #expect(abs(t[5] - (64.0 / 255 - 0.40821073) / 0.27577711) < 1e-5) // B of pixel 1
        #expect(Normalization.unit.tensor(from: img)[4] == 128.0 / 255)
    }

    @Test(arguments: [(1, 1), (7, 5), (300, 200)])
    func pngRoundTripThroughFFmpegCodec(size: (Int, Int)) throws {
        let img = Self.gradient(size.0, size.1)
        let bytes = try PNGEncoder.encode(img, text: [("Comment", "t=1.5 s")])
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(try PNGEncoder.decode(bytes) == img)
        // Compressed: the smooth gradient takes far less than its raw bytes.
        if size.0 >= 300 { #expect(bytes.count < img.pixels.count / 4, "\(bytes.count) bytes") }
    }

    @Test func pngRefusesEmptyImagesAndGarbage() {
        #expect(throws: PNGEncoder.Failure.self) { try PNGEncoder.encode(RGBImage(width: 0, height: 0, pixels: [])) }
        #expect(throws: PNGEncoder.Failure.self) { try PNGEncoder.decode(Array("not a png".utf8)) }
        #expect(throws: PNGEncoder.Failure.self) { try PNGEncoder.decode([]) }
    }

    /// The files FFmpeg's PNG encoder writes: ffprobe sees png/rgb24 at the right size with the text
    /// chunk, and the ffmpeg CLI (image2 demuxer, png decoder) decodes the same pixels; PPM too.
    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"), arguments: [(7, 5), (300, 200)])
    func pngAndPPMDecodeInFFmpeg(size: (Int, Int)) throws {
        let img = Self.gradient(size.0, size.1)
        let dir = FileManager.default.temporaryDirectory
        for (ext, bytes) in [("png", try PNGEncoder.encode(img, text: [("Comment", "t=1.5 s é")])), ("ppm", ImageFile.ppm(img))] {
            let path = dir.appendingPathComponent("litevl-\(getpid())-\(size.0).\(ext)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let r = Fixtures.run(Fixtures.ffmpeg!, ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            #expect(r.status == 0, "\(ext): \(r.err)")
            #expect([UInt8](r.out) == img.pixels, "\(ext) round trip")
            if ext == "png" {
                let p = Fixtures.run(Fixtures.ffprobe!, ["-v", "error", "-show_entries", "stream=codec_name,pix_fmt,width,height:frame_tags",
                                                          "-show_frames", "-of", "default=nw=1", path])
                let out = String(decoding: p.out, as: UTF8.self)
                #expect(p.status == 0, "\(p.err)")
                for line in ["codec_name=png", "pix_fmt=rgb24", "width=\(size.0)", "height=\(size.1)", "TAG:Comment=t=1.5 s"] {
                    #expect(out.contains(line), "\(line) in \(out)")
                }
            }
        }
    }
}
