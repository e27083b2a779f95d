import Foundation

/// The second model's answer to one question in compare mode (`c`).
public enum BaselineStatus: Sendable, Equatable {
    case pending
    case answered(AnswerResult)
    case failed(String)
}

extension AppState {
    /// `c` / Ctrl-T: compare mode on or off. Without a second model, says why.
    mutating func toggleCompare() -> [Effect] {
        guard let name = baselineName else {
            compare = false
            notice = "compare: " + (baselineProblem ?? "no baseline model; start with --baseline DIR")
            return []
        }
        compare.toggle()
        notice = compare ? "compare on: \(name) answers every question too" : "compare off"
        return []
    }

    /// The baseline's answers.
    mutating func handleCompareEvent(_ event: AppEvent) -> [Effect] {
        switch event {
        case .baselineAnswered(let id, let r):
            if let i = entries.firstIndex(where: { $0.id == id }) { entries[i].baseline = .answered(r) }
        case .baselineFailed(let id, let m):
            if let i = entries.firstIndex(where: { $0.id == id }) { entries[i].baseline = .failed(m) }
        default: break
        }
        return []
    }

    /// The frames of the last answer, most relevant first ("where is the answer"): by pooling
    /// weight, else by the share of cross-attention (last layer) on each frame.
    public var evidenceOrder: [Int] {
        (lastResult?.evidenceOrder ?? []).filter { $0 < frames.count }
    }

    /// `w`: selects the most relevant frame of the last answer; pressed again, the next one.
    mutating func jumpToEvidence(previous cursor: Int?) {
        let order = evidenceOrder
        guard !order.isEmpty else { notice = "no answer yet: ask a question first"; return }
        var next = 0
        if let c = cursor, c < order.count, order[c] == selectedFrame { next = (c + 1) % order.count }
        selectedFrame = order[next]
        evidenceCursor = next
        notice = "frame \(order[next] + 1): \(ordinal(next + 1)) most relevant" + (next == 0 ? " (w again: the next one)" : "")
    }

    private func ordinal(_ n: Int) -> String {
        switch n {
        case 1: "the"
        case 2: "2nd"
        case 3: "3rd"
        default: "\(n)th"
        }
    }
}
