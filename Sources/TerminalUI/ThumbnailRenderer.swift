import Foundation

/// The xterm 256-colour palette and a perceptual nearest-colour match (CIE Lab, ΔE76) over its
/// 6x6x6 cube and 24 greys. Entries 0-15 are skipped: terminals theme them freely.
public enum Palette256 {
    /// RGB of palette index `i` (16...255 exact; 0...15 the xterm defaults).
    public static func rgb(_ i: UInt8) -> RGB {
        let i = Int(i)
        if i < 16 {
            let base: [UInt32] = [0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
                                  0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF]
            return RGB(hex: base[i])
        }
        if i < 232 {
            let c = i - 16
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            return RGB(levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
        }
        let g = UInt8(8 + (i - 232) * 10)
        return RGB(g, g, g)
    }

    /// CIE L*a*b* (D65) of an sRGB colour.
    public static func lab(_ c: RGB) -> (l: Double, a: Double, b: Double) {
        func lin(_ u: UInt8) -> Double {
            let v = Double(u) / 255
            return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        let r = lin(c.r), g = lin(c.g), b = lin(c.b)
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116 }
        let fx = f(x), fy = f(y), fz = f(z)
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    private static let paletteLab: [(l: Double, a: Double, b: Double)] = (16...255).map { lab(rgb(UInt8($0))) }

    /// Nearest palette index (16...255) by ΔE76, exact (no table).
    public static func nearestExact(_ c: RGB) -> UInt8 {
        let p = lab(c)
        var best = 0, bestD = Double.infinity
        for (i, q) in paletteLab.enumerated() {
            let d = (p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) + (p.b - q.b) * (p.b - q.b)
            if d < bestD { bestD = d; best = i }
        }
        return UInt8(16 + best)
    }

    /// 5 bits per channel lookup table, built once on first use.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 32 * 32 * 32)
        for r in 0..<32 { for g in 0..<32 { for b in 0..<32 {
            func up(_ v: Int) -> UInt8 { UInt8(v * 255 / 31) }
            t[(r << 10) | (g << 5) | b] = nearestExact(RGB(up(r), up(g), up(b)))
        } } }
        return t
    }()

    /// Nearest palette index (16...255), via a 32-level-per-channel table.
    public static func nearest(_ c: RGB) -> UInt8 {
        table[(Int(c.r >> 3) << 10) | (Int(c.g >> 3) << 5) | Int(c.b >> 3)]
    }

    /// The 8 ANSI colours in Lab, computed once (``nearest8(_:)`` runs per cell in 8-colour terminals).
    static let ansiLab = (0..<8).map { lab(rgb(UInt8($0))) }

    /// Nearest of the 8 ANSI colours (0...7) by ΔE76.
    public static func nearest8(_ c: RGB) -> UInt8 {
        let p = lab(c)
        var best = 0, bestD = Double.infinity
        for i in 0..<8 {
            let q = ansiLab[i]
            let d = (p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) + (p.b - q.b) * (p.b - q.b)
            if d < bestD { bestD = d; best = i }
        }
        return UInt8(best)
    }
}

/// A colormap for attention heat: dark blue → magenta → orange → pale yellow (inferno-like).
public enum HeatColormap {
    static let stops: [RGB] = [RGB(hex: 0x000004), RGB(hex: 0x320A5E), RGB(hex: 0x781C6D), RGB(hex: 0xBC3754),
                               RGB(hex: 0xED6925), RGB(hex: 0xFBB61A), RGB(hex: 0xFCFFA4)]
    public static func color(_ v: Double) -> RGB {
        let t = min(max(v.isNaN ? 0 : v, 0), 1) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], t - Double(i))
    }
}

/// How a thumbnail is drawn.
public enum ThumbnailMode: String, Sendable, CaseIterable {
    /// Upper half blocks with 24-bit foreground (top pixel) and background (bottom pixel).
    case truecolor
    /// Upper half blocks with the perceptually nearest xterm-256 colours.
    case palette256
    /// One ASCII character per cell from a density ramp (monochrome, NO_COLOR, --ascii).
    case ascii

    public init(_ mode: ColorMode) {
        switch mode {
        case .truecolor: self = .truecolor
        case .palette256: self = .palette256
        case .basic8, .mono: self = .ascii
        }
    }
}

/// RGB image (+ optional attention heat overlay) → a block of terminal cells.
public enum ThumbnailRenderer {
    /// Dark to bright.
    public static let asciiRamp: [Character] = Array(" .:-=+*#%@")
    /// How strongly the heat colour covers the picture at full attention.
    public static let overlayOpacity = 0.7

    /// Renders `image` into `columns x rows` cells (2 pixel rows per cell in the half-block modes).
    /// `heat`, if given, is a row-major `gridWidth x gridHeight` map blended on top (normalised to its max).
    public static func render(_ image: RGBImage, columns: Int, rows: Int, mode: ThumbnailMode,
                              heat: (values: [Float], gridWidth: Int, gridHeight: Int)? = nil) -> [[Cell]] {
        guard columns > 0, rows > 0 else { return [] }
        let pixRows = mode == .ascii ? rows : rows * 2
        let px = resample(image, width: columns, height: pixRows)
        let heatPx: [Double]? = heat.flatMap { h in
            guard h.gridWidth > 0, h.gridHeight > 0, h.values.count == h.gridWidth * h.gridHeight else { return nil }
            return resampleHeat(h.values, gw: h.gridWidth, gh: h.gridHeight, width: columns, height: pixRows)
        }
        var out: [[Cell]] = []
        out.reserveCapacity(rows)
        for row in 0..<rows {
            var line: [Cell] = []
            line.reserveCapacity(columns)
            for col in 0..<columns {
                switch mode {
                case .ascii:
                    let i = row * columns + col
                    var v = px[i].brightness
                    var attrs: TextAttributes = []
                    if let hp = heatPx {
                        // The map is what matters: show attention as density, faintly modulated by the picture.
                        v = 0.85 * hp[i] + 0.15 * v
                        if hp[i] > 0.75 { attrs = .bold }
                    }
                    let k = min(asciiRamp.count - 1, max(0, Int((v * Double(asciiRamp.count - 1)).rounded())))
                    line.append(Cell(String(asciiRamp[k]), style: Style(attributes: attrs)))
                case .truecolor, .palette256:
                    let top = (2 * row) * columns + col, bottom = (2 * row + 1) * columns + col
                    var t = px[top], b = px[bottom]
                    if let hp = heatPx {
                        t = blend(t, hp[top]); b = blend(b, hp[bottom])
                    }
                    let style: Style
                    if mode == .truecolor {
                        style = Style(fg: .rgb(t), bg: .rgb(b))
                    } else {
                        style = Style(fg: .indexed(Palette256.nearest(t)), bg: .indexed(Palette256.nearest(b)))
                    }
                    line.append(Cell("▀", style: style))
                }
            }
            out.append(line)
        }
        return out
    }

    /// A pixel under attention `v` (0...1) as the app draws it; the export uses it too, so files and screen agree.
    public static func blend(_ c: RGB, _ v: Double) -> RGB {
        // Low attention darkens the picture a little; high attention glows in the colormap.
        let dimmed = c.mixed(with: RGB(0, 0, 0), 0.35 * (1 - v))
        return dimmed.mixed(with: HeatColormap.color(v), overlayOpacity * v)
    }

    /// Box-filter resample to width x height.
    static func resample(_ img: RGBImage, width: Int, height: Int) -> [RGB] {
        var out = [RGB](repeating: RGB(0, 0, 0), count: width * height)
        guard img.width > 0, img.height > 0 else { return out }
        for y in 0..<height {
            let y0 = y * img.height / height
            let y1 = max(y0 + 1, (y + 1) * img.height / height)
            for x in 0..<width {
                let x0 = x * img.width / width
                let x1 = max(x0 + 1, (x + 1) * img.width / width)
                var r = 0, g = 0, b = 0, n = 0
                for yy in y0..<min(y1, img.height) {
                    var i = (yy * img.width + x0) * 3
                    for _ in x0..<min(x1, img.width) {
                        r += Int(img.pixels[i]); g += Int(img.pixels[i + 1]); b += Int(img.pixels[i + 2])
                        n += 1; i += 3
                    }
                }
                n = max(n, 1)
                out[y * width + x] = RGB(UInt8(r / n), UInt8(g / n), UInt8(b / n))
            }
        }
        return out
    }

    /// Bilinear upsample of the attention grid to width x height, normalised to [0, 1] by min/max.
    public static func resampleHeat(_ v: [Float], gw: Int, gh: Int, width: Int, height: Int) -> [Double] {
        let lo = Double(v.min() ?? 0), hi = Double(v.max() ?? 1)
        let span = hi - lo > 1e-12 ? hi - lo : 1
        func at(_ x: Int, _ y: Int) -> Double { (Double(v[y * gw + x]) - lo) / span }
        var out = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            let fy = min(max((Double(y) + 0.5) / Double(height) * Double(gh) - 0.5, 0), Double(gh - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, gh - 1), ty = fy - Double(y0)
            for x in 0..<width {
                let fx = min(max((Double(x) + 0.5) / Double(width) * Double(gw) - 0.5, 0), Double(gw - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, gw - 1), tx = fx - Double(x0)
                let top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx
                let bot = at(x0, y1) * (1 - tx) + at(x1, y1) * tx
                let val = top * (1 - ty) + bot * ty
                out[y * width + x] = val.isFinite ? val : 0
            }
        }
        return out
    }
}
