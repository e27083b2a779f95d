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

    @Test func checksums() {
        #expect(ImageFile.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(ImageFile.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(ImageFile.adler32([UInt8](repeating: 255, count: 100_000)) == {
            var a: UInt32 = 1, b: UInt32 = 0
            for _ in 0..<100_000 { a = (a + 255) % 65521; b = (b + a) % 65521 }
            return (b << 16) | a
        }())
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

    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"), arguments: [(7, 5), (300, 200)])
    func pngAndPPMDecodeInFFmpeg(size: (Int, Int)) throws {
        let img = Self.gradient(size.0, size.1) // 300x200 needs several stored deflate blocks
        let dir = FileManager.default.temporaryDirectory
        for (ext, bytes) in [("png", ImageFile.png(img, text: [("Comment", "t=1.5 s")])), ("ppm", ImageFile.ppm(img))] {
            let path = dir.appendingPathComponent("litevl-\(getpid())-\(size.0).\(ext)").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let r = Fixtures.run(Fixtures.ffmpeg!, ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            #expect(r.status == 0, "\(ext): \(r.err)")
            #expect([UInt8](r.out) == img.pixels, "\(ext) round trip")
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
