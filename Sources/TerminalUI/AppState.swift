import Foundation

/// One question of the session and what became of it.
public struct ConversationEntry: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case queued
        case thinking(since: Double)
        case answered(AnswerResult)
        case failed(String)
    }
    public var id: Int
    public var question: String
    public var status: Status
    public init(id: Int, question: String, status: Status) { self.id = id; self.question = question; self.status = status }
}

public enum Focus: Sendable, Equatable { case input, frames }

public enum LoadState: Sendable, Equatable {
    case opening(fraction: Double, message: String)
    case ready
    case failed(String)
}

/// Everything the app knows that matters to the screen. Pure data.
public struct AppState: Sendable {
    public var size: TerminalSize
    public var capabilities: TerminalCapabilities
    public var modelName: String
    public var clip: ClipInfo?
    public var frames: [FrameThumbnail] = []
    public var layerScales: [Float] = []
    public var load: LoadState = .opening(fraction: 0, message: "starting")
    public var entries: [ConversationEntry] = []
    public var nextID = 1
    public var editor: LineEditor
    public var focus: Focus = .input
    public var selectedFrame = 0
    /// Text-encoder layer whose cross-attention is shown (nil: the last layer).
    public var attentionLayer: Int?
    public var overlay = true
    public var zoomed = false
    public var helpShown = false
    /// Conversation lines scrolled up from the bottom.
    public var scrollBack = 0
    /// A one-line message in the status bar (errors of the app itself, hints).
    public var notice: String?
    public var now: Double = 0
    public var candidatesShown = 3
    public var quitting = false

    public init(size: TerminalSize, capabilities: TerminalCapabilities, modelName: String, history: [String] = []) {
        self.size = size; self.capabilities = capabilities; self.modelName = modelName
        editor = LineEditor(history: history)
    }

    /// The most recent answer (the one whose pooling weights and attention are shown).
    public var lastResult: AnswerResult? {
        for e in entries.reversed() { if case .answered(let r) = e.status { return r } }
        return nil
    }

    public var frameCount: Int { frames.count }
    public var attentionLayerCount: Int { lastResult?.attention.layerCount ?? 0 }
    /// The layer actually shown (clamped).
    public var shownAttentionLayer: Int? {
        let n = attentionLayerCount
        guard n > 0 else { return nil }
        return min(max(attentionLayer ?? n - 1, 0), n - 1)
    }
    public var isBusy: Bool {
        if case .opening = load { return true }
        return entries.contains { if case .thinking = $0.status { return true }; if case .queued = $0.status { return true }; return false }
    }

    public var imageAspect: Double {
        if let f = frames.first, f.image.height > 0, f.image.width > 0 {
            // Prefer the clip's aspect (thumbnails may be square model inputs).
            if let c = clip, c.width > 0, c.height > 0 { return Double(c.width) / Double(c.height) }
            return Double(f.image.width) / Double(f.image.height)
        }
        if let c = clip, c.width > 0, c.height > 0 { return Double(c.width) / Double(c.height) }
        return 16.0 / 9.0
    }

    public var layout: Layout {
        Layout.compute(width: size.width, height: size.height, frameCount: frames.count,
                       layerCount: layerScales.count, imageAspect: imageAspect)
    }
}

/// A line of the JSON Lines transcript.
public struct TranscriptRecord: Codable, Sendable, Equatable {
    public var time: String
    /// "question", "answer" or "error".
    public var kind: String
    public var clip: String?
    public var question: String
    public var answer: String?
    public var confidence: Float?
    public var seconds: Double?
    public var error: String?
    public init(time: String = TranscriptRecord.timestamp(), kind: String, clip: String?, question: String,
                answer: String? = nil, confidence: Float? = nil, seconds: Double? = nil, error: String? = nil) {
        self.time = time; self.kind = kind; self.clip = clip; self.question = question; self.answer = answer
        self.confidence = confidence; self.seconds = seconds; self.error = error
    }
    public static func timestamp(_ d: Date = Date()) -> String { ISO8601DateFormatter().string(from: d) }
}

/// Inputs of the reducer.
public enum AppEvent: Sendable {
    case key(KeyEvent)
    case resized(TerminalSize)
    case tick(now: Double)
    case openProgress(fraction: Double, message: String)
    case clipOpened(OpenedClip)
    case clipFailed(String)
    case answerStarted(id: Int, at: Double)
    case answered(id: Int, AnswerResult)
    case answerFailed(id: Int, String)
}

/// What the reducer asks the outside world to do.
public enum Effect: Sendable, Equatable {
    case quit
    case ask(id: Int, question: String)
    case record(TranscriptRecord)
}

extension AppState {
    /// The reducer: applies one event, returns the effects to run. Pure apart from the returned effects.
    public mutating func handle(_ event: AppEvent) -> [Effect] {
        switch event {
        case .key(let k): return handleKey(k)
        case .resized(let s): size = s; clampScroll(); return []
        case .tick(let t): now = t; return []
        case .openProgress(let f, let m):
            load = .opening(fraction: min(max(f, 0), 1), message: m); return []
        case .clipOpened(let c):
            clip = c.info; frames = c.frames; layerScales = c.layerScales
            selectedFrame = min(selectedFrame, max(0, c.frames.count - 1))
            load = .ready
            return []
        case .clipFailed(let m):
            load = .failed(m); notice = "could not open the clip: " + m
            return []
        case .answerStarted(let id, let t):
            update(id) { $0.status = .thinking(since: t) }
            return []
        case .answered(let id, let r):
            var q = ""
            update(id) { $0.status = .answered(r); q = $0.question }
            scrollBack = 0
            if let best = r.temporalWeights.indices.max(by: { r.temporalWeights[$0] < r.temporalWeights[$1] }),
               best < frames.count, focus == .input {
                selectedFrame = best
            }
            return [.record(TranscriptRecord(kind: "answer", clip: clip?.name, question: q, answer: r.answer,
                                             confidence: r.candidates.first?.confidence, seconds: r.seconds))]
        case .answerFailed(let id, let m):
            var q = ""
            update(id) { $0.status = .failed(m); q = $0.question }
            scrollBack = 0
            return [.record(TranscriptRecord(kind: "error", clip: clip?.name, question: q, error: m))]
        }
    }

    private mutating func update(_ id: Int, _ f: (inout ConversationEntry) -> Void) {
        if let i = entries.firstIndex(where: { $0.id == id }) { f(&entries[i]) }
    }

    private mutating func handleKey(_ k: KeyEvent) -> [Effect] {
        notice = nil
        if k == .resize { return [] }
        // Quit keys work everywhere.
        if k == .ctrl("c") {
            if helpShown || zoomed { helpShown = false; zoomed = false; return [] }
            if editor.isEmpty { quitting = true; return [.quit] }
            editor.clear(); return []
        }
        if k == .ctrl("d") && editor.isEmpty && !helpShown && !zoomed { quitting = true; return [.quit] }
        if helpShown {
            helpShown = false
            return []
        }
        if zoomed { return handleZoomKey(k) }
        switch k {
        case .pageUp: scroll(by: pageSize); return []
        case .pageDown: scroll(by: -pageSize); return []
        case .tab, .backTab: focus = focus == .input ? .frames : .input; return []
        case .function(1): helpShown = true; return []
        case .mouse(let x, let y): return handleMouse(x: x, y: y)
        default: break
        }
        return focus == .input ? handleInputKey(k) : handleFramesKey(k)
    }

    private var pageSize: Int { max(1, layout.conversation.height - 1) }

    private mutating func scroll(by n: Int) {
        scrollBack += n
        clampScroll()
    }

    mutating func clampScroll() {
        let conv = layout.conversation
        let total = ConversationView.lines(self, width: conv.width).count
        scrollBack = min(max(0, scrollBack), max(0, total - conv.height))
    }

    private mutating func selectFrame(_ i: Int) {
        guard !frames.isEmpty else { return }
        selectedFrame = min(max(i, 0), frames.count - 1)
    }

    private mutating func changeLayer(_ d: Int) {
        let n = attentionLayerCount
        guard n > 0 else { notice = "no attention maps yet: ask a question first"; return }
        attentionLayer = min(max((shownAttentionLayer ?? n - 1) + d, 0), n - 1)
    }

    private mutating func handleInputKey(_ k: KeyEvent) -> [Effect] {
        switch k {
        case .char(let c):
            if editor.isEmpty, let d = c.wholeNumberValue, c.isASCII, d >= 1, d <= 9 {
                if d <= frames.count { selectFrame(d - 1) }
                return []
            }
            if editor.isEmpty && c == "?" { helpShown = true; return [] }
            // q on an empty input line quits (a question starting with q can begin with a space).
            if editor.isEmpty && c == "q" { quitting = true; return [.quit] }
            editor.insert(c)
        case .left: if editor.isEmpty { selectFrame(selectedFrame - 1) } else { editor.moveLeft() }
        case .right: if editor.isEmpty { selectFrame(selectedFrame + 1) } else { editor.moveRight() }
        case .home, .ctrl("a"): editor.moveHome()
        case .end, .ctrl("e"): editor.moveEnd()
        case .ctrl("b"): editor.moveLeft()
        case .ctrl("f"): editor.moveRight()
        case .ctrl("k"): editor.killToEnd()
        case .ctrl("u"): editor.killToStart()
        case .ctrl("w"): editor.deleteWordBackward()
        case .ctrl("y"): editor.yank()
        case .backspace: editor.deleteBackward()
        case .delete, .ctrl("d"): editor.deleteForward()
        case .up, .ctrl("p"): editor.historyPrevious()
        case .down, .ctrl("n"): editor.historyNext()
        case .ctrl("l"): break   // the loop redraws after every key
        case .escape: if editor.isEmpty { focus = .frames }
        case .enter:
            guard let q = editor.submit() else { return [] }
            let id = nextID
            nextID += 1
            entries.append(ConversationEntry(id: id, question: q, status: .queued))
            scrollBack = 0
            return [.record(TranscriptRecord(kind: "question", clip: clip?.name, question: q)),
                    .ask(id: id, question: q)]
        default: break
        }
        return []
    }

    private mutating func handleFramesKey(_ k: KeyEvent) -> [Effect] {
        switch k {
        case .left, .char("h"): selectFrame(selectedFrame - 1)
        case .right, .char("l"): selectFrame(selectedFrame + 1)
        case .home: selectFrame(0)
        case .end: selectFrame(frames.count - 1)
        case .char("["), .down: changeLayer(-1)
        case .char("]"), .up: changeLayer(1)
        case .char("a"): overlay.toggle()
        case .char("z"), .enter: if !frames.isEmpty { zoomed = true }
        case .char("q"): quitting = true; return [.quit]
        case .char("?"): helpShown = true
        case .escape: focus = .input
        case .char(let c):
            if let d = c.wholeNumberValue, c.isASCII, d >= 1, d <= 9 {
                if d <= frames.count { selectFrame(d - 1) }
            } else {
                // Typing starts a question.
                focus = .input
                editor.insert(c)
            }
        default: break
        }
        return []
    }

    private mutating func handleZoomKey(_ k: KeyEvent) -> [Effect] {
        switch k {
        case .escape, .char("q"), .char("z"), .enter: zoomed = false
        case .left, .char("h"): selectFrame(selectedFrame - 1)
        case .right, .char("l"): selectFrame(selectedFrame + 1)
        case .char("["), .down: changeLayer(-1)
        case .char("]"), .up: changeLayer(1)
        case .char("a"): overlay.toggle()
        case .char("?"), .function(1): helpShown = true
        case .char(let c):
            if let d = c.wholeNumberValue, c.isASCII, d >= 1, d <= 9, d <= frames.count { selectFrame(d - 1) }
        default: break
        }
        return []
    }

    private mutating func handleMouse(x: Int, y: Int) -> [Effect] {
        let l = layout
        if let i = l.frame(atX: x, y: y), i < frames.count {
            selectFrame(i); focus = .frames
        } else if l.input.contains(x: x, y: y) {
            focus = .input
        }
        return []
    }
}
