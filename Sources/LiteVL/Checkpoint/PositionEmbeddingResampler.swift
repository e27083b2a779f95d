/// Resizes a ViT position embedding to another input size, as BLIP's `interpolate_pos_embed`
/// does (models/vit.py): the class token's row is kept, the G₀×G₀ grid of patch rows is resized
/// to G×G with `torch.nn.functional.interpolate(mode="bicubic", align_corners=False)`.
///
/// The interpolation is PyTorch's `upsample_bicubic2d`: for output index d,
/// `src = (d + 0.5)·in/out − 0.5` (not clamped), `i = floor(src)`, `t = src − i`, Keys' cubic
/// convolution with A = −0.75 on the taps i−1 … i+2, each tap index clamped to the border;
/// rows and columns are interpolated separably, in float32 like PyTorch's CPU kernel.
public enum PositionEmbeddingResampler {
    /// The four cubic-convolution weights for fraction `t` (PyTorch's get_cubic_upsample_coefficients).
    static func weights(_ t: Float) -> (Float, Float, Float, Float) {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return (far(t + 1), near(t), near(1 - t), far(2 - t))
    }

    /// For each output index: the first tap (before clamping) and the weights.
    static func taps(input: Int, output: Int) -> [(Int, (Float, Float, Float, Float))] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let src = scale * (Float(d) + 0.5) - 0.5
            let i = Int(src.rounded(.down))
            return (i - 1, weights(src - Float(i)))
        }
    }

    /// Resizes a `[channels, in, in]` grid (channel-major) to `[channels, out, out]`.
    public static func bicubic(_ grid: [Float], channels: Int, input: Int, output: Int) -> [Float] {
        precondition(grid.count == channels * input * input)
        if input == output { return grid }
        let t = taps(input: input, output: output)
        func clamp(_ i: Int) -> Int { min(max(i, 0), input - 1) }
        var out = [Float](repeating: 0, count: channels * output * output)
        for c in 0..<channels {
            let g = c * input * input
            for oy in 0..<output {
                let (y0, wy) = t[oy]
                let wys = [wy.0, wy.1, wy.2, wy.3]
                for ox in 0..<output {
                    let (x0, wx) = t[ox]
                    let wxs = [wx.0, wx.1, wx.2, wx.3]
                    var rows: [Float] = [0, 0, 0, 0]
                    for k in 0..<4 {
                        let row = g + clamp(y0 + k) * input
                        var s: Float = 0
                        for j in 0..<4 { s += wxs[j] * grid[row + clamp(x0 + j)] }
                        rows[k] = s
                    }
                    var v: Float = 0
                    for k in 0..<4 { v += wys[k] * rows[k] }
                    out[c * output * output + oy * output + ox] = v
                }
            }
        }
        return out
    }

    /// `pos_embed` `[1, 1 + G₀², D]` → `[1, 1 + G², D]`; nil when `[1, 1 + N, D]` has no square grid.
    public static func resample(_ posEmbed: Tensor, grid: Int) -> Tensor? {
        guard posEmbed.shape.count == 3, posEmbed.shape[0] == 1 else { return nil }
        let d = posEmbed.shape[2], n = posEmbed.shape[1] - 1
        let g0 = Int(Double(n).squareRoot().rounded())
        guard g0 * g0 == n, g0 > 0 else { return nil }
        if g0 == grid { return posEmbed }
        var channelMajor = [Float](repeating: 0, count: d * n)
        for p in 0..<n { for c in 0..<d { channelMajor[c * n + p] = posEmbed.data[(1 + p) * d + c] } }
        let resized = bicubic(channelMajor, channels: d, input: g0, output: grid)
        var data = Array(posEmbed.data[0..<d])
        data.reserveCapacity(d * (1 + grid * grid))
        let m = grid * grid
        for p in 0..<m { for c in 0..<d { data.append(resized[c * m + p]) } }
        return Tensor(shape: [1, 1 + m, d], data: data)
    }
}
