import Foundation

/// Colours and glyphs.
struct Theme {
    let unicode: Bool
    let mode: ColorMode

    init(_ caps: TerminalCapabilities) { unicode = caps.unicode; mode = caps.colorMode }

    static let accent = RGB(hex: 0x5FD7FF)
    static let positive = RGB(hex: 0x4EC9B0)
    static let negative = RGB(hex: 0xF28C28)
    static let muted = RGB(hex: 0x8A8F98)
    static let error = RGB(hex: 0xFF5F5F)
    static let good = RGB(hex: 0x87D75F)
    static let barBG = RGB(hex: 0x3A3F4B)
    static let statusBG = RGB(hex: 0x262B36)
    static let gold = RGB(hex: 0xFFD75F)

    var hasColor: Bool { mode != .mono }
    func fg(_ c: RGB, _ a: TextAttributes = []) -> Style { Style(fg: hasColor ? .rgb(c) : .default, attributes: a) }
    var plain: Style { .plain }
    var muted: Style { hasColor ? fg(Theme.muted) : Style(attributes: .dim) }
    var accent: Style { hasColor ? fg(Theme.accent, .bold) : Style(attributes: .bold) }
    var error: Style { hasColor ? fg(Theme.error, .bold) : Style(attributes: .bold) }
    var status: Style { hasColor ? Style(fg: .rgb(RGB(hex: 0xD0D4DC)), bg: .rgb(Theme.statusBG)) : Style(attributes: .reverse) }
    var statusKey: Style { hasColor ? Style(fg: .rgb(Theme.accent), bg: .rgb(Theme.statusBG), attributes: .bold) : Style(attributes: [.reverse, .bold]) }

    /// The dots of a bar's empty part: dark grey, or the default colour dimmed with 8 colours (where the
    /// nearest of the 8 to dark grey is black, invisible on a dark terminal).
    var emptyBarStyle: Style { mode == .basic8 || !hasColor ? Style(attributes: .dim) : fg(Theme.barBG) }

    var fullBlock: Character { unicode ? "█" : "#" }
    var emptyBar: Character { unicode ? "·" : "." }
    var star: Character { unicode ? "★" : "*" }
    var axis: Character { unicode ? "│" : "|" }
    var sep: String { unicode ? " │ " : " | " }
    var spinner: [Character] { unicode ? Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏") : Array("|/-\\") }
    var pointer: String { unicode ? "›" : ">" }
    /// Eighths, for left-aligned partial blocks.
    var eighths: [Character] { unicode ? [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"] : [" ", " ", " ", " ", "#", "#", "#", "#", "#"] }
    var sparks: [Character] { unicode ? Array("▁▂▃▄▅▆▇█") : Array("_.-=+*#@") }

    /// A left-to-right bar of `fraction` in `width` cells with eighth-block precision.
    func bar(_ fraction: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let f = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        let eighthsTotal = Int((f * Double(width) * 8).rounded())
        var s = String(repeating: fullBlock, count: eighthsTotal / 8)
        if eighthsTotal % 8 > 0 && s.count < width { s.append(eighths[eighthsTotal % 8]) }
        return s + String(repeating: " ", count: max(0, width - s.count))
    }
}

/// Caches rendered thumbnails (rendering the 256-colour match per frame is the costly part).
public final class ThumbnailCache {
    /// `clip` is ``AppState/clipGeneration``: frame i of another clip is another picture.
    struct Key: Hashable { let clip: Int, frame: Int, columns: Int, rows: Int, mode: ThumbnailMode, layer: Int, overlay: Bool, answerID: Int }
    private var store: [Key: [[Cell]]] = [:]
    public init() {}
    func cells(_ key: Key, make: () -> [[Cell]]) -> [[Cell]] {
        if let c = store[key] { return c }
        if store.count > 256 { store.removeAll() }
        let c = make(); store[key] = c; return c
    }
}

func formatTime(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    if s < 60 { return String(format: "%.1fs", s) }
    let m = Int(s) / 60, sec = s - Double(m * 60)
    return String(format: "%d:%04.1f", m, sec)
}

// MARK: - Status bar and hints

enum StatusBarView {
    static func draw(_ c: inout Canvas, _ r: Rect, _ s: AppState, _ t: Theme) {
        guard !r.isEmpty else { return }
        c.fill(r, style: t.status)
        var parts: [String] = []
        if let clip = s.clip {
            parts.append(clip.name)
            parts.append(formatTime(clip.durationSeconds))
            parts.append("\(clip.width)x\(clip.height)")
            if !clip.codec.isEmpty { parts.append(clip.codec) }
        }
        parts.append(s.modelName)
        if !s.frames.isEmpty { parts.append("T=\(s.frames.count)") }
        switch s.load {
        case .opening(let f, let m):
            let spin = t.spinner[Int(s.now * 10) % t.spinner.count]
            parts.append("\(spin) \(m) \(Int(f * 100))%")
        case .failed: parts.append("no clip")
        case .ready: break
        }
        if s.exporting { parts.append("exporting…") }
        if s.demoPlaying { parts.append("DEMO · any key stops") }
        var x = r.x + 1
        for (i, p) in parts.enumerated() {
            let st = i == 0 ? t.statusKey : t.status
            x += c.put(p, x: x, y: r.y, style: st, clip: r)
            if i + 1 < parts.count { x += c.put(t.sep, x: x, y: r.y, style: t.status, clip: r) }
        }
        // Progress gauge at the right while encoding.
        if case .opening(let f, _) = s.load, r.maxX - x > 14 {
            let gw = min(20, r.maxX - x - 4)
            let gx = r.maxX - gw - 1
            c.put(t.bar(f, width: gw), x: gx, y: r.y, style: t.statusKey, clip: r)
        }
        // Keep the clip name readable when there is room for both.
        drawNotice(&c, r, s, t, keep: s.clip.map { DisplayWidth.of($0.name) + 2 } ?? 0)
    }

    /// The notice (`s.notice`) at the right of row `r`, leaving its first `keep` columns readable when
    /// there is room for both.
    static func drawNotice(_ c: inout Canvas, _ r: Rect, _ s: AppState, _ t: Theme, keep: Int) {
        guard let n = s.notice, !r.isEmpty else { return }
        let msg = " " + n + " "
        let room = r.width - keep >= 20 ? r.width - keep : r.width
        let w = min(DisplayWidth.of(msg), room)
        c.put(DisplayWidth.truncate(msg, to: w), x: r.maxX - w, y: r.y, style: t.error.with(.reverse), clip: r)
    }

    static func drawHints(_ c: inout Canvas, _ r: Rect, _ s: AppState, _ t: Theme) {
        guard !r.isEmpty else { return }
        c.fill(r, style: t.status)
        var hints: [(String, String)]
        if s.zoomed {
            hints = [("←→", "frame"), ("w", "where"), ("[ ]", "layer"), ("a", "overlay"), ("e", "export"), ("Esc", "back"), ("?", "help")]
        } else if s.focus == .frames {
            hints = [("←→/1-9", "frame"), ("w", "where"), ("[ ]", "layer"), ("a", "overlay"), ("z", "zoom"), ("Tab", "ask"),
                     ("o", "open"), ("L", "library"), ("c", s.compare ? "compare off" : "compare"), ("e", "export"),
                     ("PgUp/Dn", "scroll"), ("?", "help"), ("q", "quit")]
        } else {
            hints = [("Enter", "ask"), ("↑↓", "history"), ("Tab", "frames"), ("^O", "open"), ("^S", "export"),
                     ("PgUp/Dn", "scroll"), ("?", "help"), ("q", "quit")]
        }
        if s.openPrompt != nil {
            hints = [("Enter", "open"), ("Tab", "complete"), ("↑↓", "pick"), ("Esc", "cancel")]
        }
        var x = r.x + 1
        // Room for the focus indicator at the right comes first.
        let indicator = DisplayWidth.of(s.focus == .input ? "INPUT" : "FRAMES") + 3
        for (k, d) in hints {
            let key = t.unicode ? k : k.replacingOccurrences(of: "←→", with: "<>").replacingOccurrences(of: "↑↓", with: "Up/Dn")
            let need = DisplayWidth.of(key) + 1 + DisplayWidth.of(d) + 2
            if x + need > r.maxX - indicator { break }
            x += c.put(key, x: x, y: r.y, style: t.statusKey, clip: r)
            x += c.put(" " + d + "  ", x: x, y: r.y, style: t.status, clip: r)
        }
        // Focus indicator at the right.
        let f = s.focus == .input ? "INPUT" : "FRAMES"
        let w = DisplayWidth.of(f) + 2
        if r.maxX - w > x { c.put(" " + f + " ", x: r.maxX - w, y: r.y, style: t.statusKey.with(.reverse), clip: r) }
    }
}

// MARK: - Frame strip

enum FrameStripView {
    static func heat(_ s: AppState, frame: Int) -> (values: [Float], gridWidth: Int, gridHeight: Int)? {
        guard s.overlay, let r = s.lastResult, let layer = s.shownAttentionLayer,
              let m = r.attention.map(layer: layer, frame: frame) else { return nil }
        return (m, r.attention.gridWidth, r.attention.gridHeight)
    }

    static func thumbnail(_ s: AppState, frame i: Int, columns: Int, rows: Int, withHeat: Bool, cache: ThumbnailCache) -> [[Cell]] {
        let mode = ThumbnailMode(s.capabilities.colorMode)
        let h = withHeat ? heat(s, frame: i) : nil
        let key = ThumbnailCache.Key(clip: s.clipGeneration, frame: i, columns: columns, rows: rows, mode: mode,
                                     layer: h == nil ? -1 : (s.shownAttentionLayer ?? -1), overlay: h != nil,
                                     answerID: h == nil ? 0 : lastAnswerID(s))
        return cache.cells(key) {
            ThumbnailRenderer.render(s.frames[i].image, columns: columns, rows: rows, mode: mode, heat: h)
        }
    }

    static func lastAnswerID(_ s: AppState) -> Int {
        for e in s.entries.reversed() { if case .answered = e.status { return e.id } }
        return 0
    }

    static func blit(_ c: inout Canvas, _ cells: [[Cell]], at r: Rect) {
        for (dy, row) in cells.enumerated() where dy < r.height {
            for (dx, cell) in row.enumerated() where dx < r.width {
                if let ch = cell.text.first { c.put(ch, x: r.x + dx, y: r.y + dy, style: cell.style, clip: r) }
            }
        }
    }

    static func draw(_ c: inout Canvas, _ l: Layout, _ s: AppState, _ t: Theme, cache: ThumbnailCache) {
        guard !l.thumbnails.isEmpty, !s.frames.isEmpty else {
            if !l.strip.isEmpty {
                let msg: String
                switch s.load {
                case .opening(let f, let m): msg = "decoding & encoding the clip… \(m) \(Int(f * 100))%"
                case .failed(let m): msg = "no frames: \(m)"
                case .ready: msg = "no frames"
                }
                c.put(msg, x: 2, y: l.strip.y + l.strip.height / 2, style: t.muted, clip: l.strip)
            }
            return
        }
        let weights = s.lastResult?.temporalWeights ?? []
        let maxW = Double(weights.max() ?? 0)
        let best = s.lastResult?.bestPooledFrame
        let first = l.firstShownFrame(selected: s.selectedFrame, frameCount: s.frames.count)
        for slot in l.thumbnails.indices where first + slot < s.frames.count {
            let i = first + slot
            let r = l.thumbnails[slot]
            let selected = i == s.selectedFrame
            let cells = thumbnail(s, frame: i, columns: r.width, rows: r.height, withHeat: selected, cache: cache)
            blit(&c, cells, at: r)
            // Timestamp label; the selected frame is highlighted (reversed when the frames have focus).
            let lr = l.labels[slot]
            var label = formatTime(s.frames[i].timestamp)
            if i < 9 && DisplayWidth.of(label) + 3 <= lr.width { label = "\(i + 1) " + label }
            var st = selected ? t.accent : t.muted
            if selected && s.focus == .frames { st = st.with(.reverse) }
            let text = selected ? (t.unicode ? "▸" : ">") + label : " " + label
            c.fill(lr, style: st)
            c.put(DisplayWidth.truncate(text, to: lr.width), x: lr.x, y: lr.y, style: st, clip: lr)
            // Pooling weight bar.
            let br = l.poolBars[slot]
            if i < weights.count {
                let wv = Double(weights[i])
                let isBest = i == best
                // The percentage needs its width plus a space to stay apart from the next slot's
                // (narrow strips have no gap between slots): without room, the bar alone.
                let pct = br.width >= 5 ? String(format: "%.0f%%", wv * 100) : ""
                let starW = isBest && br.width >= 6 ? 1 : 0
                let barW = max(0, br.width - DisplayWidth.of(pct) - (pct.isEmpty ? 0 : 1) - starW)
                let barStyle = isBest ? t.fg(Theme.gold, .bold) : t.fg(Theme.positive)
                var x = br.x
                if starW > 0 { x += c.put(t.star, x: x, y: br.y, style: t.fg(Theme.gold, .bold), clip: br) }
                if barW > 0 {
                    x += c.put(t.bar(maxW > 0 ? wv / maxW : 0, width: barW), x: x, y: br.y, style: barStyle, clip: br)
                    x += 1
                }
                c.put(pct, x: x, y: br.y, style: isBest ? t.fg(Theme.gold, .bold) : t.muted, clip: br)
            }
        }
    }
}

// MARK: - Temporal scaling s_l

enum ScalingBarsView {
    static func draw(_ c: inout Canvas, _ r: Rect, _ scales: [Float], _ t: Theme) {
        guard !r.isEmpty, !scales.isEmpty else { return }
        if r.height == 1 {
            // Sparkline: one glyph per layer, [-1, 1] → bottom..top.
            var x = c.put("s_l ", x: r.x, y: r.y, style: t.muted, clip: r) + r.x
            for v in scales {
                let f = (Double(min(max(v, -1), 1)) + 1) / 2
                let k = min(t.sparks.count - 1, Int(f * Double(t.sparks.count - 1) + 0.5))
                x += c.put(t.sparks[k], x: x, y: r.y, style: t.fg(v >= 0 ? Theme.positive : Theme.negative), clip: r)
            }
            c.put(String(format: " mean %+.2f", scales.reduce(0, +) / Float(scales.count)), x: x, y: r.y, style: t.muted, clip: r)
            return
        }
        c.box(r, title: "temporal scale s_l", style: t.muted, titleStyle: t.accent, ascii: !t.unicode)
        let inner = r.inset(by: 1)
        guard !inner.isEmpty else { return }
        let rows = min(inner.height, scales.count)
        // With fewer rows than layers, rows show consecutive layer groups (their mean).
        let per = Int((Double(scales.count) / Double(max(rows, 1))).rounded(.up))
        let labelW = 4, valueW = 6
        let barW = max(2, inner.width - labelW - valueW)
        let half = barW / 2
        for row in 0..<rows {
            let lo = row * per, hi = min(scales.count, lo + per)
            guard lo < hi else { break }
            let v = Double(scales[lo..<hi].reduce(0, +)) / Double(hi - lo)
            let y = inner.y + row
            let label = hi - lo == 1 ? String(format: "L%-2d", lo + 1) : String(format: "%d-%d", lo + 1, hi)
            c.put(DisplayWidth.pad(label, to: labelW), x: inner.x, y: y, style: t.muted, clip: inner)
            let bx = inner.x + labelW
            // Axis in the middle; negative grows left, positive right.
            for i in 0..<barW { c.put(t.emptyBar, x: bx + i, y: y, style: t.emptyBarStyle, clip: inner) }
            c.put(t.axis, x: bx + half, y: y, style: t.muted, clip: inner)
            let clamped = min(max(v.isFinite ? v : 0, -1), 1)
            let n = Int((abs(clamped) * Double(half)).rounded())
            if clamped >= 0 {
                for i in 0..<min(n, barW - half - 1) { c.put(t.fullBlock, x: bx + half + 1 + i, y: y, style: t.fg(Theme.positive), clip: inner) }
            } else {
                for i in 0..<min(n, half) { c.put(t.fullBlock, x: bx + half - 1 - i, y: y, style: t.fg(Theme.negative), clip: inner) }
            }
            c.put(String(format: "%+.2f", clamped), x: bx + barW, y: y,
                  style: t.fg(clamped >= 0 ? Theme.positive : Theme.negative), clip: inner)
        }
    }
}

// MARK: - Conversation

struct StyledLine: Equatable {
    var segments: [(String, Style)]
    static func == (a: StyledLine, b: StyledLine) -> Bool { a.segments.map(\.0) == b.segments.map(\.0) }
}

enum ConversationView {
    /// An error or warning wrapped to at most 4 rows, so that the advice at its end stays readable; a
    /// longer one ends in an ellipsis.
    static func wrappedMessage(_ text: String, columns: Int) -> [String] {
        let rows = DisplayWidth.wrap(text.replacingOccurrences(of: "\n", with: " "), columns: columns)
        return rows.prefix(4).enumerated().map { i, l in i == 3 && rows.count > 4 ? DisplayWidth.truncate(l + " …", to: columns) : l }
    }

    /// All lines of the conversation at `width` columns (oldest first).
    static func lines(_ s: AppState, width: Int) -> [StyledLine] {
        let t = Theme(s.capabilities)
        guard width > 4 else { return [] }
        var out: [StyledLine] = []
        if s.entries.isEmpty {
            let intro: String
            switch s.load {
            case .opening: intro = "Encoding the clip… you can type your question already; it waits for the clip."
            case .ready: intro = "Ask a question about the clip and press Enter. Tab moves to the frames; ? shows all keys."
            case .failed(let m): intro = "The clip could not be opened: \(m)"
            }
            for l in DisplayWidth.wrap(intro, columns: width - 2) { out.append(StyledLine(segments: [("  " + l, t.muted)])) }
            return out
        }
        for e in s.entries {
            if !out.isEmpty { out.append(StyledLine(segments: [])) }
            switch e.status {
            case .info(let m):
                let l = DisplayWidth.truncate((t.unicode ? "── " : "-- ") + m + (t.unicode ? " ──" : " --"), to: width)
                out.append(StyledLine(segments: [(l, t.muted)]))
                continue
            case .problem(let m), .warning(let m):
                let label = if case .warning = e.status { "warning: " } else { "error: " }
                for l in wrappedMessage(label + m, columns: width) { out.append(StyledLine(segments: [(l, t.error)])) }
                continue
            default: break
            }
            let qPrefix = "you \(t.pointer) "
            let qLines = DisplayWidth.wrap(e.question, columns: max(1, width - DisplayWidth.of(qPrefix)))
            for (i, l) in qLines.enumerated() {
                out.append(StyledLine(segments: [(i == 0 ? qPrefix : String(repeating: " ", count: DisplayWidth.of(qPrefix)), t.accent), (l, t.plain.with(.bold))]))
            }
            let aPrefix = "  \(t.pointer) "
            switch e.status {
            case .queued:
                out.append(StyledLine(segments: [(aPrefix, t.muted), (s.load == .ready ? "queued…" : "waiting for the clip…", t.muted)]))
            case .thinking(let since):
                let spin = t.spinner[Int(s.now * 10) % t.spinner.count]
                out.append(StyledLine(segments: [(aPrefix, t.muted), ("\(spin) thinking… \(formatTime(max(0, s.now - since)))", t.fg(Theme.accent))]))
            case .info, .problem, .warning:
                break
            case .failed(let m):
                // Wrapped like a problem line: the advice is at the end of the message.
                let indent = String(repeating: " ", count: DisplayWidth.of(aPrefix))
                for (i, l) in wrappedMessage("error: " + m, columns: max(1, width - DisplayWidth.of(aPrefix))).enumerated() {
                    out.append(StyledLine(segments: [(i == 0 ? aPrefix : indent, t.muted), (l, t.error)]))
                }
            case .answered(let r) where e.baseline != nil:
                out += CompareView.lines(s, e, main: r, baseline: e.baseline!, width: width, t)
                if let l = WhereView.line(s, e, r, width: width, t) { out.append(l) }
            case .answered(let r):
                let time = "  " + formatTime(r.seconds)
                let aw = max(1, width - DisplayWidth.of(aPrefix) - DisplayWidth.of(time))
                let aLines = DisplayWidth.wrap(r.answer, columns: aw)
                for (i, l) in aLines.enumerated() {
                    var segs: [(String, Style)] = [(i == 0 ? aPrefix : String(repeating: " ", count: DisplayWidth.of(aPrefix)), t.muted),
                                                   (l, t.fg(Theme.good, .bold))]
                    if i == 0 { segs.append((String(repeating: " ", count: max(0, aw - DisplayWidth.of(l))) + time, t.muted)) }
                    out.append(StyledLine(segments: segs))
                }
                let shown = r.candidates.prefix(s.candidatesShown)
                let textW = min(18, max(6, width / 4))
                let barW = max(3, min(24, width - textW - 16))
                for cand in shown {
                    let pct = String(format: "%5.1f%%", Double(cand.confidence) * 100)
                    out.append(StyledLine(segments: [
                        ("    " + DisplayWidth.pad(cand.text, to: textW) + " ", t.plain),
                        (t.bar(Double(cand.confidence), width: barW), t.fg(cand.text == r.answer ? Theme.good : Theme.positive)),
                        (" " + pct, t.muted),
                    ]))
                }
                if let l = WhereView.line(s, e, r, width: width, t) { out.append(l) }
            }
        }
        return out
    }

    static func draw(_ c: inout Canvas, _ r: Rect, _ s: AppState) {
        guard !r.isEmpty else { return }
        let all = lines(s, width: r.width)
        let back = min(max(0, s.scrollBack), max(0, all.count - r.height))
        let end = all.count - back
        let start = max(0, end - r.height)
        for (row, line) in all[start..<end].enumerated() {
            var x = r.x
            for (text, st) in line.segments { x += c.put(text, x: x, y: r.y + row, style: st, clip: r) }
        }
        if back > 0 {
            let t = Theme(s.capabilities)
            let tag = " ↑ \(back) more below · PgDn "
            c.put(t.unicode ? tag : " (\(back) more below, PgDn) ", x: max(r.x, r.maxX - DisplayWidth.of(tag)), y: r.maxY - 1,
                  style: t.accent.with(.reverse), clip: r)
        }
    }
}

// MARK: - Input line

enum InputLineView {
    static func draw(_ c: inout Canvas, _ r: Rect, _ s: AppState, _ t: Theme) {
        guard !r.isEmpty else { return }
        let focused = s.focus == .input && !s.zoomed && !s.helpShown && s.openPrompt == nil
        let prompt = "ask \(t.pointer) "
        var x = r.x + c.put(prompt, x: r.x, y: r.y, style: focused ? t.accent : t.muted, clip: r)
        let avail = r.maxX - x
        guard avail > 1 else { return }
        if s.editor.isEmpty && !focused {
            c.put("Tab to type a question", x: x, y: r.y, style: t.muted, clip: r)
            return
        }
        if s.editor.isEmpty && focused {
            let busy = s.entries.contains { if case .thinking = $0.status { return true }; return false }
            let hint = busy ? "the model is answering; you can queue another question" : "type a question about the clip"
            c.put(DisplayWidth.truncate(hint, to: avail - 1), x: x + 1, y: r.y, style: t.muted, clip: r)
        }
        let slice = s.editor.visibleSlice(columns: avail)
        x += 0
        c.put(slice.text, x: x, y: r.y, style: .plain, clip: r)
        if focused {
            let cx = x + slice.cursorX
            c.cursor = (cx, r.y)
            if cx < r.maxX { c.paintCursor(x: cx, y: r.y, clip: r) }
        }
    }
}

// MARK: - Zoom

enum ZoomView {
    static func draw(_ c: inout Canvas, _ s: AppState, _ t: Theme, cache: ThumbnailCache) {
        let full = c.bounds
        guard full.height >= 3, s.selectedFrame < s.frames.count else { return }
        let i = s.selectedFrame
        // Title row.
        let title = Rect(x: 0, y: 0, width: full.width, height: 1)
        c.fill(title, style: t.status)
        var parts = ["frame \(i + 1)/\(s.frames.count)", formatTime(s.frames[i].timestamp)]
        if let w = s.lastResult?.temporalWeights, i < w.count { parts.append(String(format: "pool weight %.1f%%", Double(w[i]) * 100)) }
        if let layer = s.shownAttentionLayer {
            parts.append(s.overlay ? "attention layer \(layer + 1)/\(s.attentionLayerCount)" : "overlay off (a)")
        } else {
            parts.append("no attention yet")
        }
        if s.exporting { parts.append("exporting…") }
        let titleText = " " + parts.joined(separator: t.sep)
        c.put(titleText, x: 0, y: 0, style: t.statusKey, clip: title)
        // Notices (w or [ with no answer yet) show here too: zoom has no status bar.
        StatusBarView.drawNotice(&c, title, s, t, keep: DisplayWidth.of(titleText) + 1)
        // The picture, as large as the aspect allows.
        let area = Rect(x: 0, y: 1, width: full.width, height: full.height - 2)
        let aspect = s.imageAspect
        let pixelRowsPerCell = ThumbnailMode(s.capabilities.colorMode) == .ascii ? 1.0 : 2.0
        var cols = area.width
        var rows = Int((Double(cols) / aspect / pixelRowsPerCell * (pixelRowsPerCell == 1 ? 0.5 : 1)).rounded())
        if pixelRowsPerCell == 2 { rows = Int((Double(cols) / aspect / 2).rounded()) }
        if rows > area.height {
            rows = area.height
            cols = min(area.width, Int((Double(rows) * 2 * aspect).rounded()))
        }
        rows = max(1, rows); cols = max(1, cols)
        let r = Rect(x: area.x + (area.width - cols) / 2, y: area.y + (area.height - rows) / 2, width: cols, height: rows)
        let cells = FrameStripView.thumbnail(s, frame: i, columns: cols, rows: rows, withHeat: true, cache: cache)
        FrameStripView.blit(&c, cells, at: r)
    }
}

// MARK: - Help

enum HelpOverlay {
    static let lines: [(String, String)] = [
        ("Enter", "ask the question (input) / zoom (frames)"),
        ("←/→ Home/End", "move the cursor (input) or select a frame"),
        ("Ctrl-A/E", "start / end of line; first / last frame (frames)"),
        ("Ctrl-K/U/W/Y", "kill to end / to start / word; yank"),
        ("Backspace/Delete", "delete before / under the cursor"),
        ("↑/↓", "question history (saved across sessions)"),
        ("1..9", "select a frame (input empty or frames focused)"),
        ("Tab", "switch focus: input ⇄ frames"),
        ("[ / ]", "previous / next attention layer (frames)"),
        ("a", "toggle the attention overlay (frames)"),
        ("z", "zoom the selected frame (Esc/q back)"),
        ("PgUp/PgDn", "scroll the conversation"),
        ("mouse click", "select a frame"),
        ("o / Ctrl-O", "open another clip (path, Tab completes, ↑↓ picks)"),
        ("e / Ctrl-S", "export transcript + frames with attention (PNG)"),
        ("w", "jump to the most relevant frame; again: the next (frames)"),
        ("L / Ctrl-R", "library: the folder's clips, ranked as you type"),
        ("c / Ctrl-T", "compare: the baseline model answers too"),
        ("q", "quit (on an empty line, or frames focused)"),
        ("Ctrl-C/Ctrl-D", "quit on an empty line or frames focused (Ctrl-C clears a line)"),
    ]

    /// The rows as this terminal shows them (arrows spelled out without UTF-8).
    static func rows(unicode: Bool) -> [(key: String, text: String)] {
        guard !unicode else { return lines.map { ($0.0, $0.1) } }
        func ascii(_ x: String) -> String {
            x.replacingOccurrences(of: "←/→", with: "Left/Right").replacingOccurrences(of: "↑/↓", with: "Up/Down")
                .replacingOccurrences(of: "↑↓", with: "Up/Down").replacingOccurrences(of: "⇄", with: "<->")
        }
        return lines.map { (ascii($0.0), ascii($0.1)) }
    }

    static func draw(_ c: inout Canvas, _ s: AppState, _ t: Theme) {
        let full = c.bounds
        let rows = rows(unicode: t.unicode)
        // Sized to the longest key and description; a narrower screen truncates descriptions with an ellipsis.
        let keyW = (rows.map { DisplayWidth.of($0.key) }.max() ?? 0) + 3
        let textW = rows.map { DisplayWidth.of($0.text) }.max() ?? 0
        let w = min(full.width - 2, keyW + textW + 3), h = min(full.height - 2, rows.count + 5)
        guard w >= 20, h >= 4 else {
            // Too small for the box: one line on the top row, over the status bar.
            let top = Rect(x: 0, y: 0, width: full.width, height: min(1, full.height))
            c.fill(top, style: t.accent.with(.reverse))
            c.put(DisplayWidth.truncate("? help: any key closes; enlarge the terminal to see the keys", to: full.width), x: 0, y: 0,
                  style: t.accent.with(.reverse), clip: top)
            return
        }
        let r = Rect(x: (full.width - w) / 2, y: (full.height - h) / 2, width: w, height: h)
        c.fill(r, style: t.status)
        c.box(r, title: "litevl keys", style: t.status, titleStyle: t.statusKey, ascii: !t.unicode)
        let inner = r.inset(by: 1)
        var y = inner.y
        for (k, d) in rows {
            if y >= inner.maxY - 2 { break }
            c.put(" " + DisplayWidth.pad(k, to: keyW - 1), x: inner.x, y: y, style: t.statusKey, clip: inner)
            c.put(DisplayWidth.truncate(d, to: max(1, inner.maxX - inner.x - keyW - 1)), x: inner.x + keyW, y: y, style: t.status, clip: inner)
            y += 1
        }
        let colour = "colour: \(s.capabilities.colorMode.label)" + (s.capabilities.note.isEmpty ? "" : " — " + s.capabilities.note)
        c.put(" " + colour, x: inner.x, y: inner.maxY - 2, style: t.status, clip: inner)
        c.put(" any key closes", x: inner.x, y: inner.maxY - 1, style: t.status.with(.dim), clip: inner)
    }
}

// MARK: - The whole screen

public enum ScreenRenderer {
    /// Draws the state into a fresh canvas of the state's size (printable ASCII only when the terminal
    /// has no UTF-8).
    public static func render(_ s: AppState, cache: ThumbnailCache) -> Canvas {
        var c = Canvas(width: s.size.width, height: s.size.height)
        draw(&c, s, cache: cache)
        if !s.capabilities.unicode { c.transliterateToASCII() }
        return c
    }

    private static func draw(_ c: inout Canvas, _ s: AppState, cache: ThumbnailCache) {
        let t = Theme(s.capabilities)
        if let lib = s.library {
            LibraryView.draw(&c, s, lib, t)
            if s.helpShown { HelpOverlay.draw(&c, s, t) }
            return
        }
        if s.zoomed && !s.frames.isEmpty {
            ZoomView.draw(&c, s, t, cache: cache)
            StatusBarView.drawHints(&c, Rect(x: 0, y: c.height - 1, width: c.width, height: c.height >= 3 ? 1 : 0), s, t)
        } else {
            let l = s.layout
            StatusBarView.draw(&c, l.statusBar, s, t)
            FrameStripView.draw(&c, l, s, t, cache: cache)
            ScalingBarsView.draw(&c, l.scaling, s.layerScales, t)
            ConversationView.draw(&c, l.conversation, s)
            InputLineView.draw(&c, l.input, s, t)
            StatusBarView.drawHints(&c, l.hints, s, t)
        }
        if s.openPrompt != nil { OpenPromptView.draw(&c, s, t) }
        if s.helpShown { HelpOverlay.draw(&c, s, t) }
    }
}

// MARK: - Open prompt

enum OpenPromptView {
    static func draw(_ c: inout Canvas, _ s: AppState, _ t: Theme) {
        guard let p = s.openPrompt else { return }
        let full = c.bounds
        let choices = p.choices
        let listRows = min(8, choices.count)
        let w = min(full.width, 80)
        let h = min(full.height - (full.height > 4 ? 1 : 0), listRows + 4)
        guard w >= 8, h >= 3 else {
            // Tiny screen: just the path on the top row.
            let r = Rect(x: 0, y: 0, width: full.width, height: min(1, full.height))
            c.fill(r, style: t.status)
            let slice = p.editor.visibleSlice(columns: max(1, full.width - 2))
            c.put("o " + slice.text, x: 0, y: 0, style: t.status, clip: r)
            c.cursor = (min(full.width - 1, 2 + slice.cursorX), 0)
            return
        }
        let y0 = max(0, full.height - 1 - h)
        let r = Rect(x: (full.width - w) / 2, y: y0, width: w, height: h)
        c.fill(r, style: t.status)
        c.box(r, title: "open a clip", style: t.status, titleStyle: t.statusKey, ascii: !t.unicode)
        let inner = r.inset(by: 1)
        guard !inner.isEmpty else { return }
        // Path line.
        let prompt = "path \(t.pointer) "
        let px = inner.x + c.put(prompt, x: inner.x, y: inner.y, style: t.statusKey, clip: inner)
        let slice = p.editor.visibleSlice(columns: max(1, inner.maxX - px))
        c.put(slice.text, x: px, y: inner.y, style: t.status, clip: inner)
        let cx = px + slice.cursorX
        if cx < inner.maxX {
            c.cursor = (cx, inner.y)
            c.paintCursor(x: cx, y: inner.y, clip: inner)
        }
        // The list, scrolled so the pick is visible.
        let rows = min(listRows, max(0, inner.height - 2))
        if rows > 0 {
            let sel = p.selection ?? -1
            let first = sel >= rows ? sel - rows + 1 : 0
            for i in 0..<rows where first + i < choices.count {
                let e = choices[first + i]
                let name = e.name + (e.isDirectory ? "/" : "")
                let picked = first + i == sel
                // Without colours the box is in reverse video: the pick is the row that is not.
                let pickedStyle = t.hasColor ? t.statusKey.with(.reverse) : Style(attributes: .bold)
                let st = picked ? pickedStyle : (e.isDirectory ? t.statusKey : t.status)
                let line = Rect(x: inner.x, y: inner.y + 1 + i, width: inner.width, height: 1)
                if picked { c.fill(line, style: st) }
                c.put("  " + name, x: inner.x, y: line.y, style: st, clip: line)
            }
        }
        // Message or hint on the last inner row.
        if inner.height >= 2 {
            let more = choices.count > rows ? " (\(choices.count - rows) more)" : ""
            // "../" is a way out, not something here.
            let here = choices.filter { $0.name != ".." }.count
            let listed = here == 1 ? "1 video file or folder" : "\(here) video files and folders"
            let msg = p.message ?? (here == 0 ? "no video files here; type a path" : listed + more)
            c.put(" " + msg, x: inner.x, y: inner.maxY - 1, style: t.status.with(.dim), clip: inner)
        }
    }
}
