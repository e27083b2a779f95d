import Foundation

/// The library view (`L`): a full-screen list of the folder's clips, each with a thumbnail, its
/// duration and (with a query) its retrieval score and best-matching moment.
enum LibraryView {
    /// Rows per clip: the thumbnail's height.
    static let itemRows = 3

    static func draw(_ c: inout Canvas, _ s: AppState, _ lib: LibraryState, _ t: Theme) {
        let full = c.bounds
        guard full.width >= 8, full.height >= 3 else {
            c.put("library: Esc", x: 0, y: 0, style: t.accent.with(.reverse))
            return
        }
        // Status bar.
        let bar = Rect(x: 0, y: 0, width: full.width, height: 1)
        c.fill(bar, style: t.status)
        var parts = ["library", lib.directory, "\(lib.items.count) clip\(lib.items.count == 1 ? "" : "s")"]
        if lib.isEncoding {
            let spin = t.spinner[Int(s.now * 10) % t.spinner.count]
            parts.append("\(spin) encoding \(lib.doneCount)/\(lib.items.count)")
        } else if !lib.items.isEmpty {
            let cached = lib.items.filter { $0.clip?.fromCache == true }.count
            parts.append("ready (\(cached) from the cache)")
        }
        if lib.requestedQuery != nil { parts.append("ranking…") }
        c.put(" " + parts.joined(separator: t.sep), x: 0, y: 0, style: t.statusKey, clip: bar)
        if let n = s.notice {
            let msg = " " + n + " "
            let w = min(DisplayWidth.of(msg), full.width)
            c.put(DisplayWidth.truncate(msg, to: w), x: full.width - w, y: 0, style: t.error.with(.reverse), clip: bar)
        }
        // Search line.
        let line = Rect(x: 0, y: 1, width: full.width, height: 1)
        let prompt = "search \(t.pointer) "
        let px = c.put(prompt, x: 0, y: 1, style: t.accent, clip: line)
        if lib.editor.isEmpty {
            c.put(" describe a clip, e.g. a red circle moving left", x: px, y: 1, style: t.muted, clip: line)
        }
        let slice = lib.editor.visibleSlice(columns: max(1, full.width - px))
        c.put(slice.text, x: px, y: 1, style: .plain, clip: line)
        let cx = px + slice.cursorX
        c.cursor = (min(cx, full.width - 1), 1)
        if cx < full.width { c.paintCursor(x: cx, y: 1, clip: line) }
        // Hints.
        let hints = Rect(x: 0, y: full.height - 1, width: full.width, height: full.height >= 4 ? 1 : 0)
        if !hints.isEmpty {
            c.fill(hints, style: t.status)
            var x = 1
            for (k, d) in [("type", "search"), (t.unicode ? "↑↓" : "Up/Dn", "pick"), ("Enter", "open"), ("Esc", "back")] {
                x += c.put(k, x: x, y: hints.y, style: t.statusKey, clip: hints)
                x += c.put(" " + d + "  ", x: x, y: hints.y, style: t.status, clip: hints)
            }
        }
        // The list.
        let list = Rect(x: 0, y: 2, width: full.width, height: full.height - 2 - hints.height)
        guard !list.isEmpty else { return }
        if lib.items.isEmpty {
            c.put("  " + (lib.problem ?? "listing…"), x: 0, y: list.y + min(1, list.height - 1), style: t.muted, clip: list)
            return
        }
        let order = lib.order
        let rowsPer = list.height >= itemRows + 1 ? itemRows + 1 : 1
        let visible = max(1, list.height / rowsPer)
        let sel = min(max(lib.selection, 0), order.count - 1)
        let first = min(max(0, sel - visible + 1), max(0, order.count - visible))
        let start = sel < first ? sel : first
        let ranked = !lib.rankedQuery.isEmpty && lib.rankedQuery == lib.query
        for row in 0..<visible where start + row < order.count {
            let position = start + row
            let item = lib.items[order[position]]
            let y = list.y + row * rowsPer
            let picked = position == sel
            // Only scored clips get a rank number (a broken file is listed after them, unnumbered).
            let match = ranked ? lib.matches[item.path] : nil
            drawItem(&c, item, match: match, rank: match != nil ? position + 1 : nil, picked: picked,
                     area: Rect(x: 0, y: y, width: full.width, height: min(rowsPer, list.maxY - y)), rows: rowsPer == 1 ? 1 : itemRows,
                     s: s, t: t)
        }
    }

    static func drawItem(_ c: inout Canvas, _ item: LibraryState.Item, match: LibraryMatch?, rank: Int?, picked: Bool,
                         area: Rect, rows: Int, s: AppState, t: Theme) {
        let mode = ThumbnailMode(s.capabilities.colorMode)
        let thumbW = rows == 1 ? 0 : min(area.width / 3, rows * 2 * 16 / 9)
        var x = area.x + 2
        c.put(picked ? (t.unicode ? "▸" : ">") : " ", x: area.x, y: area.y, style: t.accent, clip: area)
        if thumbW > 0 {
            let r = Rect(x: x, y: area.y, width: thumbW, height: min(rows, area.height))
            if let img = item.clip?.thumbnail, img.width > 0, img.height > 0 {
                FrameStripView.blit(&c, ThumbnailRenderer.render(img, columns: r.width, rows: r.height, mode: mode, heat: nil), at: r)
            } else {
                c.fill(r, t.emptyBar, style: t.emptyBarStyle)
            }
            x += thumbW + 2
        }
        let text = Rect(x: x, y: area.y, width: max(0, area.maxX - x), height: area.height)
        var nameStyle = picked ? t.accent : t.plain.with(.bold)
        if picked { nameStyle = nameStyle.with(.reverse) }
        let title = (rank.map { "\($0). " } ?? "") + item.name
        c.put(DisplayWidth.truncate(title, to: text.width), x: x, y: area.y, style: nameStyle, clip: text)
        guard area.height >= 2 else { return }
        var detail: String
        var detailStyle = t.muted
        if let problem = item.problem {
            detail = "error: " + problem.replacingOccurrences(of: "\n", with: " ")
            detailStyle = t.error
        } else if let clip = item.clip {
            detail = formatTime(clip.durationSeconds) + (clip.fromCache ? " · cached" : "")
        } else {
            detail = "encoding…"
        }
        c.put(DisplayWidth.truncate(detail, to: text.width), x: x, y: area.y + 1, style: detailStyle, clip: text)
        if let match, area.height >= 3 {
            let label = String(format: "score %+.3f · best at %@", match.score, formatTime(match.timestamp) as NSString)
            let barW = max(0, min(20, text.width - DisplayWidth.of(label) - 1))
            var bx = x
            if barW > 0 {
                bx += c.put(t.bar(Double((match.score + 1) / 2), width: barW), x: bx, y: area.y + 2, style: t.fg(Theme.positive), clip: text)
                bx += 1
            }
            c.put(label, x: bx, y: area.y + 2, style: t.muted, clip: text)
        }
    }
}
