/// An 8-bit RGB picture, rows top to bottom, pixels packed `R G B R G B …` with no padding.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `width · height · 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGBImage: pixel count must be width·height·3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The `(r, g, b)` of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The picture turned clockwise by `degrees` (0, 90, 180 or 270; anything else is taken modulo
    /// 360 and rounded to the nearest quarter turn). 90 and 270 swap width and height.
    public func rotated(clockwise degrees: Int) -> RGBImage {
        let quarter = ((Int((Double(degrees) / 90).rounded()) % 4) + 4) % 4
        if quarter == 0 { return self }
        let w = width, h = height
        let outW = quarter == 2 ? w : h
        let outH = quarter == 2 ? h : w
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let (nx, ny): (Int, Int)
                        switch quarter {
                        case 1: (nx, ny) = (h - 1 - y, x)          // clockwise
                        case 2: (nx, ny) = (w - 1 - x, h - 1 - y)
                        default: (nx, ny) = (y, w - 1 - x)         // counter-clockwise
                        }
                        let s = (y * w + x) * 3, d = (ny * outW + nx) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
