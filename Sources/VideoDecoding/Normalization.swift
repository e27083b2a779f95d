/// Per-channel mean and standard deviation that turn 8-bit RGB into model input:
/// `value = (byte / 255 − mean[c]) / std[c]`.
public struct Normalization: Equatable, Codable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 != 0 }, "Normalization needs 3 means and 3 non-zero stds")
        self.mean = mean
        self.std = std
    }

    /// BLIP's (CLIP's) image statistics, what LiteVL was trained with.
    public static let blip = Normalization(mean: [0.48145466, 0.4578275, 0.40821073],
                                           std: [0.26862954, 0.26130258, 0.27577711])
    /// Bytes scaled to 0…1 only.
    public static let unit = Normalization(mean: [0, 0, 0], std: [1, 1, 1])

    /// The image as float32 CHW `[3, height, width]`, normalised.
    public func tensor(from image: RGBImage) -> [Float] {
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * plane)
        // (b / 255 - m) / s  ==  b * (1 / (255 s)) - m / s
        let scale = (0..<3).map { 1 / (255 * std[$0]) }
        let bias = (0..<3).map { -mean[$0] / std[$0] }
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<3 {
                    let sc = scale[c], bi = bias[c], base = c * plane
                    for i in 0..<plane {
                        dst[base + i] = Float(src[i * 3 + c]) * sc + bi
                    }
                }
            }
        }
        return out
    }
}
