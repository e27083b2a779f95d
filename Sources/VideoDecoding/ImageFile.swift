/// Binary PPM (`P6`) bytes of an ``RGBImage``. PNG goes through FFmpeg's encoder: ``PNGEncoder``.
public enum ImageFile {
    /// Binary PPM (`P6`).
    public static func ppm(_ image: RGBImage) -> [UInt8] {
        var out = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
        out.append(contentsOf: image.pixels)
        return out
    }
}
