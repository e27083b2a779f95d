import Foundation

/// Compare mode in the conversation: the main model's answer and the baseline's side by side,
/// each with its top candidates.
enum CompareView {
    static func lines(_ s: AppState, _ e: ConversationEntry, main r: AnswerResult, baseline: BaselineStatus, width: Int,
                      _ t: Theme) -> [StyledLine] {
        let gap = t.unicode ? " │ " : " | "
        let colW = max(8, (width - DisplayWidth.of(gap)) / 2)
        func cell(_ text: String, _ style: Style) -> (String, Style) {
            (DisplayWidth.pad(DisplayWidth.truncate(text, to: colW), to: colW), style)
        }
        var left: [(String, Style)] = [cell("  " + s.modelName, t.muted)]
        var right: [(String, Style)]
        left.append(contentsOf: column(r, colW: colW, t, s.candidatesShown))
        switch baseline {
        case .pending:
            let spin = t.spinner[Int(s.now * 10) % t.spinner.count]
            right = [cell("  " + (s.baselineName ?? "baseline"), t.muted), cell("  \(t.pointer) \(spin) thinking…", t.fg(Theme.accent))]
        case .failed:
            // The reason goes under both columns at full width (below), where its advice fits.
            right = [cell("  " + (s.baselineName ?? "baseline"), t.muted), cell("  \(t.pointer) error (below)", t.error)]
        case .answered(let b):
            right = [cell("  " + (s.baselineName ?? "baseline"), t.muted)] + column(b, colW: colW, t, s.candidatesShown)
        }
        var out: [StyledLine] = []
        for i in 0..<max(left.count, right.count) {
            let l = i < left.count ? left[i] : (String(repeating: " ", count: colW), t.plain)
            let rr = i < right.count ? right[i] : ("", t.plain)
            out.append(StyledLine(segments: [l, (gap, t.muted), rr]))
        }
        if case .failed(let m) = baseline {
            for l in ConversationView.wrappedMessage("    baseline error: " + m, columns: width) { out.append(StyledLine(segments: [(l, t.error)])) }
        }
        if case .answered(let b) = baseline, b.answer != r.answer {
            out.append(StyledLine(segments: [(DisplayWidth.truncate("    the models disagree", to: width), t.fg(Theme.gold))]))
        }
        return out
    }

    /// An answer and its candidates, each line exactly `colW` wide.
    static func column(_ r: AnswerResult, colW: Int, _ t: Theme, _ shown: Int) -> [(String, Style)] {
        func fit(_ s: String) -> String { DisplayWidth.pad(DisplayWidth.truncate(s, to: colW), to: colW) }
        var out = [(fit("  \(t.pointer) \(r.answer)  \(formatTime(r.seconds))"), t.fg(Theme.good, .bold))]
        let textW = min(12, max(4, colW / 3))
        let barW = max(2, min(12, colW - textW - 12))
        for c in r.candidates.prefix(shown) {
            let pct = String(format: "%5.1f%%", Double(c.confidence) * 100)
            out.append((fit("    " + DisplayWidth.pad(DisplayWidth.truncate(c.text, to: textW), to: textW) + " "
                            + t.bar(Double(c.confidence), width: barW) + " " + pct), t.plain))
        }
        return out
    }
}

/// "Where is the answer": the most relevant frames of an answer with their timestamps.
enum WhereView {
    /// `where: ★ 8 (5.2s) 38% · 7 (4.5s) 21% · …  (w jumps)`, for answers about the shown clip.
    static func line(_ s: AppState, _ e: ConversationEntry, _ r: AnswerResult, width: Int, _ t: Theme) -> StyledLine? {
        let relevance = r.frameRelevance
        guard e.generation == s.clipGeneration, !relevance.isEmpty, !s.frames.isEmpty else { return nil }
        let order = r.evidenceOrder.filter { $0 < s.frames.count }
        let parts = order.prefix(3).map { i in
            String(format: "%d (%@) %.0f%%", i + 1, formatTime(s.frames[i].timestamp) as NSString, relevance[i] * 100)
        }
        // Without pooling the shares are of the text encoder's attention, and the line says so.
        let label = r.relevanceIsAttention ? "where (attention)" : "where"
        let text = "    \(label): \(t.star) " + parts.joined(separator: " · ") + "  (frames: w jumps)"
        return StyledLine(segments: [(DisplayWidth.truncate(text, to: width), t.muted)])
    }
}
