import Foundation

/// One question of the session and what became of it.
public struct ConversationEntry: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case queued
        case thinking(since: Double)
        case answered(AnswerResult)
        case failed(String)
        /// Not a question: a line about the session ("opened x.mp4", "exported to …").
        case info(String)
        /// Not a question: an error of the app itself (a clip that could not be opened, a failed export).
        case problem(String)
        /// Not a question: a warning about the clip just opened (truncated file, repeated frames).
        case warning(String)
    }
    public var id: Int
    public var question: String
    public var status: Status
    /// The clip it was answered about (`AppState.clipGeneration` at the time); maps only fit that clip's frames.
    public var generation: Int
    /// The name of the clip it is about.
    public var clip: String?
    /// The second model's answer, in compare mode (nil when compare was off).
    public var baseline: BaselineStatus?
    public init(id: Int, question: String, status: Status, generation: Int = 0, clip: String? = nil) {
        self.id = id; self.question = question; self.status = status; self.generation = generation; self.clip = clip
    }
    /// Whether this entry is a question (not an info or problem line).
    public var isQuestion: Bool {
        switch status { case .info, .problem, .warning: false; default: true }
    }
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
    /// The `o` prompt, while open.
    public var openPrompt: OpenPrompt?
    /// Counts clips opened successfully; answers remember it so that maps are only drawn on their own clip.
    public var clipGeneration = 0
    /// The path being opened, while it is.
    public var openingPath: String?
    /// An export is running.
    public var exporting = false
    /// A demo walkthrough is playing (any key stops it).
    public var demoPlaying = false
    /// The library view (`L`), while open.
    public var library: LibraryState?
    /// The backend can rank clips (``ClipLibraryBackend``).
    public var libraryAvailable = false
    /// Compare mode (`c`): every question is also answered by the baseline model.
    public var compare = false
    /// The second model's name, when there is one (``CompareBackend``).
    public var baselineName: String?
    /// Why there is no second model.
    public var baselineProblem: String?
    /// Position in ``evidenceOrder`` of the last `w` (nil after any other key).
    public var evidenceCursor: Int?

    public init(size: TerminalSize, capabilities: TerminalCapabilities, modelName: String, history: [String] = []) {
        self.size = size; self.capabilities = capabilities; self.modelName = modelName
        editor = LineEditor(history: history)
    }

    /// The most recent answer (the one whose pooling weights and attention are shown).
    public var lastResult: AnswerResult? {
        for e in entries.reversed() where e.generation == clipGeneration { if case .answered(let r) = e.status { return r } }
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
    /// Opening `path` failed with this message.
    case clipFailed(path: String, String)
    case answerStarted(id: Int, at: Double)
    case answered(id: Int, AnswerResult)
    case answerFailed(id: Int, String)
    /// The contents of a directory the open prompt asked for.
    case directoryListed(DirectoryListing)
    /// Open this clip now (the demo script; the `o` prompt uses keys).
    case openRequested(String)
    case exported(ExportSummary)
    case exportFailed(String)
    /// Leave the app (the demo stopping, a signal).
    case quitRequested
    /// Open the library view on a folder (`--library DIR`).
    case libraryRequested(String)
    /// The library folder's video files.
    case libraryListed(LibraryListing)
    /// One library clip is encoded (or came from the cache).
    case libraryClipReady(LibraryClip)
    case libraryClipFailed(path: String, String)
    /// Scores of the library clips for a query.
    case libraryRanked(query: String, [LibraryMatch])
    case libraryRankFailed(query: String, String)
    /// The baseline's answer to a question (compare mode).
    case baselineAnswered(id: Int, AnswerResult)
    case baselineFailed(id: Int, String)
}

/// What the reducer asks the outside world to do.
public enum Effect: Sendable, Equatable {
    case quit
    case ask(id: Int, question: String)
    case record(TranscriptRecord)
    /// Open the clip at this path in the background (the current one stays until it succeeds).
    case open(path: String)
    /// List a directory for the open prompt (answered with `.directoryListed`).
    case listDirectory(String)
    /// Export the session.
    case export(SessionSnapshot)
    /// List the library folder (answered with `.libraryListed`).
    case listLibrary(String)
    /// Load or encode these clips in the background, one `.libraryClipReady` each.
    case loadLibrary([String])
    /// Rank the loaded library clips (answered with `.libraryRanked`).
    case rankLibrary(query: String, paths: [String])
    /// Ask the baseline model too (compare mode).
    case askBaseline(id: Int, question: String)
}

extension AppState {
    /// The reducer: applies one event, returns the effects to run. Pure apart from the returned effects.
    public mutating func handle(_ event: AppEvent) -> [Effect] {
        switch event {
        case .key(let k): return handleKey(k)
        case .resized(let s): size = s; clampScroll(); return []
        case .tick(let t): now = t; return libraryTick()
        case .libraryRequested(let dir): return openLibrary(dir)
        case .libraryListed, .libraryClipReady, .libraryClipFailed, .libraryRanked, .libraryRankFailed:
            return handleLibraryEvent(event)
        case .baselineAnswered, .baselineFailed:
            return handleCompareEvent(event)
        case .openProgress(let f, let m):
            load = .opening(fraction: min(max(f, 0), 1), message: m); return []
        case .clipOpened(let c):
            let hadClip = clip != nil
            clip = c.info; frames = c.frames; layerScales = c.layerScales
            selectedFrame = min(selectedFrame, max(0, c.frames.count - 1))
            // Another open typed in the meantime is still running: the screen keeps saying so.
            if openingPath == nil || openingPath == c.info.path { openingPath = nil; load = .ready }
            clipGeneration += 1
            if notice?.hasPrefix("could not open ") == true { notice = nil }
            // Questions still waiting are answered about this clip: its note goes before them.
            if hadClip {
                addNote(.info("opened \(c.info.name) · \(formatTime(c.info.durationSeconds)) · T=\(c.frames.count)"), beforePending: true)
            }
            for w in c.warnings { addNote(.warning("\(c.info.name): \(w)"), beforePending: true) }
            return []
        case .clipFailed(let path, let m):
            let name = URL(fileURLWithPath: path).lastPathComponent
            var reason = m.replacingOccurrences(of: "\n", with: " ")
            // Messages that start with the path repeat it: the name is enough.
            if reason.hasPrefix(path + ": ") { reason = String(reason.dropFirst(path.count + 2)) }
            let what = "could not open \(name): " + reason
            notice = what
            let stillOpening = openingPath != nil && openingPath != path
            if !stillOpening { openingPath = nil }
            if clip != nil {
                // The previous clip stays: the backend keeps it, questions go on about it.
                if !stillOpening { load = .ready }
                addNote(.problem(what))
            } else {
                if !stillOpening { load = .failed(m) }
                // In the conversation too: the intro that says it goes away with the first question.
                addNote(.problem(what))
            }
            return []
        case .directoryListed(let l):
            if var p = openPrompt, p.typedDirectory == l.directory {
                p.listing = l
                p.message = l.problem
                openPrompt = p
            }
            return []
        case .openRequested(let path):
            return startOpen(path)
        case .exported(let summary):
            exporting = false
            notice = "exported to \(summary.directory.path)"
            addNote(.info("exported \(summary.files.count) files to \(summary.directory.path)"))
            return []
        case .exportFailed(let m):
            exporting = false
            notice = "export failed: " + m
            addNote(.problem("export failed: " + m))
            return []
        case .quitRequested:
            quitting = true
            return [.quit]
        case .answerStarted(let id, let t):
            update(id) { $0.status = .thinking(since: t) }
            return []
        case .answered(let id, let r):
            var q = ""
            let generation = clipGeneration
            let name = clip?.name
            update(id) { $0.status = .answered(r); $0.generation = generation; $0.clip = name; q = $0.question }
            scrollBack = 0
            if let best = r.evidenceOrder.first, best < frames.count, focus == .input {
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

    /// Adds an info/problem/warning line to the conversation: at the end, or with `beforePending` before
    /// the first question still queued or thinking (those are answered about what the line announces).
    mutating func addNote(_ status: ConversationEntry.Status, beforePending: Bool = false) {
        let pending = !beforePending ? nil : entries.firstIndex { e in
            switch e.status { case .queued, .thinking: true; default: false }
        }
        entries.insert(ConversationEntry(id: nextID, question: "", status: status, generation: clipGeneration),
                       at: pending ?? entries.endIndex)
        nextID += 1
        scrollBack = 0
    }

    /// Starts opening `path` in the background.
    mutating func startOpen(_ path: String) -> [Effect] {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        let full = DirectoryListing.expand(trimmed)
        openingPath = full
        load = .opening(fraction: 0, message: "opening \(URL(fileURLWithPath: full).lastPathComponent)")
        return [.open(path: full)]
    }

    /// `o`: the open prompt, starting in the current clip's directory.
    mutating func beginOpen() -> [Effect] {
        var dir = ""
        if let p = clip?.path, !p.isEmpty { dir = OpenPrompt.split(p).directory }
        openPrompt = OpenPrompt(path: dir)
        return [.listDirectory(dir)]
    }

    /// `e`: a snapshot of the session for the exporter.
    mutating func beginExport() -> [Effect] {
        guard !exporting else { notice = "an export is already running"; return [] }
        let questions = entries.filter(\.isQuestion)
        guard !questions.isEmpty || clip != nil else { notice = "nothing to export yet"; return [] }
        exporting = true
        notice = nil          // the status bar says "exporting…" until the export ends

        let snapshotEntries = questions.map { e -> SessionSnapshot.Entry in
            var result: AnswerResult?, error: String?
            switch e.status {
            case .answered(let r): result = r
            case .failed(let m): error = m
            case .queued, .thinking: error = "not answered yet"
            case .info, .problem, .warning: break
            }
            return SessionSnapshot.Entry(question: e.question, clip: e.clip, result: result, error: error,
                                         aboutShownClip: result != nil && e.generation == clipGeneration, baseline: e.baseline)
        }
        var snap = SessionSnapshot(modelName: modelName, clip: clip, frames: frames, layerScales: layerScales,
                                   entries: snapshotEntries, attentionLayer: shownAttentionLayer)
        snap.baselineName = baselineName
        return [.export(snap)]
    }

    private mutating func handlePromptKey(_ k: KeyEvent) -> [Effect] {
        guard var p = openPrompt else { return [] }
        var edited = false
        switch k {
        case .escape, .ctrl("c"), .ctrl("g"):
            openPrompt = nil
            return []
        case .enter:
            switch p.decide() {
            case .open(let path):
                openPrompt = nil
                return startOpen(path)
            case .enter(let dir):
                p.setText(dir)
                openPrompt = p
                return [.listDirectory(dir)]
            case .nothing:
                p.message = "type a file name (Tab completes) or pick one with ↑↓"
            }
        case .tab:
            p.complete()
        case .up, .ctrl("p"): p.moveSelection(-1)
        case .down, .ctrl("n"): p.moveSelection(1)
        case .char(let c): p.editor.insert(c); edited = true
        case .left, .ctrl("b"): p.editor.moveLeft()
        case .right, .ctrl("f"): p.editor.moveRight()
        case .home, .ctrl("a"): p.editor.moveHome()
        case .end, .ctrl("e"): p.editor.moveEnd()
        case .ctrl("k"): p.editor.killToEnd(); edited = true
        case .ctrl("u"): p.editor.killToStart(); edited = true
        case .ctrl("w"): p.editor.deleteWordBackward(); edited = true
        case .backspace: p.editor.deleteBackward(); edited = true
        case .delete, .ctrl("d"): p.editor.deleteForward(); edited = true
        default: break
        }
        if edited { p.textChanged() }
        openPrompt = p
        if p.listing?.directory != p.typedDirectory { return [.listDirectory(p.typedDirectory)] }
        return []
    }

    private mutating func handleKey(_ k: KeyEvent) -> [Effect] {
        notice = nil
        if k == .resize { return [] }
        if case .paste(let text) = k { return handlePaste(text) }
        if openPrompt != nil { return handlePromptKey(k) }
        if library != nil { return handleLibraryKey(k) }
        let whereCursor = evidenceCursor
        evidenceCursor = nil
        // Quit keys work everywhere.
        if k == .ctrl("c") {
            if helpShown || zoomed { helpShown = false; zoomed = false; return [] }
            // In the frame strip it quits (docs/tui.md); in the line it first clears what is typed.
            if editor.isEmpty || focus == .frames { quitting = true; return [.quit] }
            editor.clear(); return []
        }
        if k == .ctrl("d") && (editor.isEmpty || focus == .frames) && !helpShown && !zoomed { quitting = true; return [.quit] }
        if helpShown {
            helpShown = false
            return []
        }
        if zoomed {
            if k == .char("w") { jumpToEvidence(previous: whereCursor); return [] }
            return handleZoomKey(k)
        }
        switch k {
        case .pageUp: scroll(by: pageSize); return []
        case .pageDown: scroll(by: -pageSize); return []
        case .tab, .backTab: focus = focus == .input ? .frames : .input; return []
        case .function(1): helpShown = true; return []
        case .mouse(let x, let y): return handleMouse(x: x, y: y)
        default: break
        }
        if focus == .frames && k == .char("w") { jumpToEvidence(previous: whereCursor); return [] }
        return focus == .input ? handleInputKey(k) : handleFramesKey(k)
    }

    /// A bracketed paste: its text goes into the line being edited (line breaks and tabs as spaces,
    /// other control characters dropped), whatever the focus; nothing in it acts as a key.
    private mutating func handlePaste(_ text: String) -> [Effect] {
        let clean = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if openPrompt != nil || library != nil {
            var effects: [Effect] = []
            for ch in clean where !ch.unicodeScalars.contains(where: \.isTerminalControl) {
                effects += handleKey(.char(ch))
            }
            return effects
        }
        helpShown = false
        zoomed = false
        focus = .input
        editor.insert(clean)
        return []
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
        case .ctrl("o"): return beginOpen()
        case .ctrl("s"): return beginExport()
        case .ctrl("r"): return openLibrary()
        case .ctrl("t"): return toggleCompare()
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
            var entry = ConversationEntry(id: id, question: q, status: .queued, generation: clipGeneration, clip: clip?.name)
            if compare { entry.baseline = .pending }
            entries.append(entry)
            scrollBack = 0
            return [.record(TranscriptRecord(kind: "question", clip: clip?.name, question: q)),
                    .ask(id: id, question: q)] + (compare ? [.askBaseline(id: id, question: q)] : [])
        default: break
        }
        return []
    }

    private mutating func handleFramesKey(_ k: KeyEvent) -> [Effect] {
        switch k {
        case .left, .char("h"): selectFrame(selectedFrame - 1)
        case .right, .char("l"): selectFrame(selectedFrame + 1)
        case .home, .ctrl("a"): selectFrame(0)
        case .end, .ctrl("e"): selectFrame(frames.count - 1)
        case .char("["), .down: changeLayer(-1)
        case .char("]"), .up: changeLayer(1)
        case .char("a"): overlay.toggle()
        case .char("z"), .enter: if !frames.isEmpty { zoomed = true }
        case .char("q"): quitting = true; return [.quit]
        case .char("?"): helpShown = true
        case .char("o"), .ctrl("o"): return beginOpen()
        case .char("e"), .ctrl("s"): return beginExport()
        case .char("L"), .ctrl("r"): return openLibrary()
        case .char("c"), .ctrl("t"): return toggleCompare()
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
        case .char("e"), .ctrl("s"): return beginExport()        // zoom stays; the notice shows in it
        case .char("?"), .function(1): helpShown = true
        case .char(let c):
            if let d = c.wholeNumberValue, c.isASCII, d >= 1, d <= 9, d <= frames.count { selectFrame(d - 1) }
        default: break
        }
        return []
    }

    private mutating func handleMouse(x: Int, y: Int) -> [Effect] {
        let l = layout
        if let slot = l.frame(atX: x, y: y), slot + l.firstShownFrame(selected: selectedFrame, frameCount: frames.count) < frames.count {
            selectFrame(slot + l.firstShownFrame(selected: selectedFrame, frameCount: frames.count)); focus = .frames
        } else if l.input.contains(x: x, y: y) {
            focus = .input
        }
        return []
    }
}
