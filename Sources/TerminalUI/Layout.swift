/// Where everything goes, computed from the terminal size by a pure function.
public struct Layout: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Row 0: clip, model, progress.
    public var statusBar: Rect
    /// The frame strip (thumbnails + timestamp row + pooling-bar row), empty if no room.
    public var strip: Rect
    /// Picture rectangle of each shown frame (frames that do not fit are left out: `thumbnails.count <= T`).
    public var thumbnails: [Rect]
    /// Timestamp row under each thumbnail.
    public var labels: [Rect]
    /// Pooling-weight bar row under each timestamp.
    public var poolBars: [Rect]
    /// Temporal scaling panel: a boxed panel at the right, or a one-row sparkline when narrow; may be empty.
    public var scaling: Rect
    public var conversation: Rect
    public var input: Rect
    /// Bottom row: key hints (empty on very small screens).
    public var hints: Rect

    /// Rows one thumbnail uses for the picture.
    public var thumbnailRows: Int { thumbnails.first?.height ?? 0 }

    /// Lays out a `width x height` screen for `frameCount` frames and `layerCount` layer scales.
    /// `imageAspect` is width/height of the frames (one cell holds 1x2 pixels with half blocks).
    public static func compute(width: Int, height: Int, frameCount: Int, layerCount: Int,
                               imageAspect: Double = 16.0 / 9.0) -> Layout {
        let w = max(0, width), h = max(0, height)
        var l = Layout(width: w, height: h, statusBar: .zero, strip: .zero, thumbnails: [], labels: [], poolBars: [],
                       scaling: .zero, conversation: .zero, input: .zero, hints: .zero)
        guard w > 0, h > 0 else { return l }
        if h == 1 { l.input = Rect(x: 0, y: 0, width: w, height: 1); return l }
        l.statusBar = Rect(x: 0, y: 0, width: w, height: 1)
        var bottom = h
        if h >= 6 { l.hints = Rect(x: 0, y: h - 1, width: w, height: 1); bottom -= 1 }
        l.input = Rect(x: 0, y: bottom - 1, width: w, height: 1)
        bottom -= 1
        var top = 1
        let mid = bottom - top

        // Frame strip.
        // Extreme clips (a 64x1280 strip) are drawn at the nearest of 1:10 or 10:1, never as 16:9.
        let aspect = imageAspect.isFinite && imageAspect > 0 ? min(max(imageAspect, 0.1), 10) : 16.0 / 9.0
        if frameCount > 0 && mid >= 5 {
            let budget = max(3, min(mid - 2, Int(Double(mid) * 0.45)))
            let maxThumbRows = budget - 2
            var n = frameCount
            var gap = w >= frameCount * 3 + (frameCount - 1) ? 1 : 0
            while n > 1 && (w - gap * (n - 1)) / n < 2 {
                if gap == 1 { gap = 0 } else { n -= 1 }
            }
            var tw = max(1, (w - gap * (n - 1)) / n)
            let rows = min(maxThumbRows, max(1, Int((Double(tw) / aspect / 2).rounded())))
            tw = min(tw, max(2, Int((Double(rows) * 2 * aspect).rounded())))
            let total = n * tw + (n - 1) * gap
            if total <= w {
                let x0 = (w - total) / 2
                for i in 0..<n {
                    let x = x0 + i * (tw + gap)
                    l.thumbnails.append(Rect(x: x, y: top, width: tw, height: rows))
                    l.labels.append(Rect(x: x, y: top + rows, width: tw, height: 1))
                    l.poolBars.append(Rect(x: x, y: top + rows + 1, width: tw, height: 1))
                }
                l.strip = Rect(x: 0, y: top, width: w, height: rows + 2)
                top += rows + 2
            }
        }

        // Scaling panel and conversation.
        let rest = bottom - top
        if layerCount > 0 && rest > 0 {
            if w >= 72 && rest >= 5 {
                let pw = min(36, max(26, w / 3))
                let ph = min(rest, layerCount + 2)
                l.scaling = Rect(x: w - pw, y: top, width: pw, height: ph)
                l.conversation = Rect(x: 0, y: top, width: w - pw - 1, height: rest)
                return l
            }
            if rest >= 4 {
                l.scaling = Rect(x: 0, y: top, width: w, height: 1)
                top += 1
            }
        }
        l.conversation = Rect(x: 0, y: top, width: w, height: bottom - top)
        return l
    }

    /// Every rectangle, for bounds checks.
    public var allRects: [Rect] {
        [statusBar, strip, scaling, conversation, input, hints] + thumbnails + labels + poolBars
    }

    /// The first frame shown when not all `frameCount` frames fit: the strip scrolls so that the
    /// selected frame is shown, as near the middle as the ends allow.
    public func firstShownFrame(selected: Int, frameCount: Int) -> Int {
        let shown = thumbnails.count
        guard shown > 0, frameCount > shown else { return 0 }
        return min(max(0, selected - shown / 2), frameCount - shown)
    }

    /// The slot (index into ``thumbnails``) whose thumbnail, label or bar contains the cell, if any;
    /// the frame is the slot plus ``firstShownFrame(selected:frameCount:)``.
    public func frame(atX x: Int, y: Int) -> Int? {
        for i in thumbnails.indices {
            let r = thumbnails[i]
            if Rect(x: r.x, y: r.y, width: r.width, height: r.height + 2).contains(x: x, y: y) { return i }
        }
        return nil
    }
}
