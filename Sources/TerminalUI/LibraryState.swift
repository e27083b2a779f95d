import Foundation

/// The library view (`L`): the video files of a folder, each with a thumbnail once the backend has
/// encoded it, ranked live by a typed description. Pure data; the reducer is ``AppState``'s.
public struct LibraryState: Sendable, Equatable {
    /// One file of the folder.
    public struct Item: Sendable, Equatable {
        public var path: String
        public var name: String
        /// Set once the backend loaded or encoded it.
        public var clip: LibraryClip?
        /// Why it could not be encoded.
        public var problem: String?
        public init(path: String) {
            self.path = path
            name = URL(fileURLWithPath: path).lastPathComponent
        }
    }

    /// The folder shown.
    public var directory: String
    public var items: [Item] = []
    /// Set when the folder could not be listed.
    public var problem: String?
    /// The search text.
    public var editor = LineEditor()
    /// Index into ``order`` of the highlighted clip.
    public var selection = 0
    /// Scores of the last ranked query, by path.
    public var matches: [String: LibraryMatch] = [:]
    /// The query the scores are for.
    public var rankedQuery = ""
    /// The query last sent to the backend (nil: none pending).
    public var requestedQuery: String?
    /// When the search text (or the set of encoded clips) last changed; a ranking is due this
    /// long after it (debounce).
    public var changedAt: Double?
    /// Enter was pressed before the typed description was ranked: open the best match when it is.
    public var openWhenRanked = false
    public static let debounceSeconds = 0.25
    /// First row of the list shown (scrolling).
    public var scroll = 0

    public init(directory: String) { self.directory = directory }

    /// The search text, trimmed.
    public var query: String { editor.text.trimmingCharacters(in: .whitespaces) }

    /// Item indices in display order: by score when there is a ranked query (unscored last), else by name.
    public var order: [Int] {
        let byName = items.indices.sorted { items[$0].name.localizedStandardCompare(items[$1].name) == .orderedAscending }
        guard !rankedQuery.isEmpty, rankedQuery == query else { return byName }
        return byName.enumerated().sorted { a, b in
            switch (matches[items[a.element].path], matches[items[b.element].path]) {
            case let (x?, y?) where x.score != y.score: return x.score > y.score
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// Clips encoded so far, failed ones included.
    public var doneCount: Int { items.filter { $0.clip != nil || $0.problem != nil }.count }
    public var isEncoding: Bool { doneCount < items.count }
    /// Paths of the clips that can be ranked.
    public var rankablePaths: [String] { items.compactMap { $0.clip != nil ? $0.path : nil } }

    /// The highlighted item.
    public var selected: Item? {
        let o = order
        return o.isEmpty ? nil : items[o[min(max(selection, 0), o.count - 1)]]
    }

    /// Whether a ranking should be requested at `now`.
    public func rankDue(now: Double) -> Bool {
        guard let changedAt, now - changedAt >= Self.debounceSeconds, !query.isEmpty, !rankablePaths.isEmpty else { return false }
        return requestedQuery == nil
    }
}

/// The contents of a library folder, as the app's loop read it.
public struct LibraryListing: Sendable, Equatable {
    public var directory: String
    /// Video files, full paths.
    public var paths: [String]
    public var problem: String?
    public init(directory: String, paths: [String], problem: String? = nil) {
        self.directory = directory; self.paths = paths; self.problem = problem
    }

    /// The video files directly in `directory` (not recursive, hidden files skipped), sorted by name.
    public static func read(_ directory: String) -> LibraryListing {
        let path = DirectoryListing.expand(directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            return LibraryListing(directory: directory, paths: [], problem: "cannot list \(path)")
        }
        // A folder named like a video ("takes.mp4/") is not a clip.
        let videos = names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && DirectoryListing.isVideo(name)
                && !(FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isDirectory) && isDirectory.boolValue)
        }.sorted()
        return LibraryListing(directory: directory, paths: videos.map { (path as NSString).appendingPathComponent($0) })
    }
}

extension AppState {
    /// `L` / Ctrl-R: opens the library on the current clip's folder (or `directory`).
    mutating func openLibrary(_ directory: String? = nil) -> [Effect] {
        var dir = directory ?? "."
        if directory == nil, let p = clip?.path, !p.isEmpty { dir = URL(fileURLWithPath: p).deletingLastPathComponent().path }
        guard libraryAvailable else {
            notice = "no library: the backend cannot rank clips"
            return []
        }
        library = LibraryState(directory: dir)
        return [.listLibrary(dir)]
    }

    /// The library's events.
    mutating func handleLibraryEvent(_ event: AppEvent) -> [Effect] {
        switch event {
        case .libraryListed(let l):
            guard var lib = library, lib.directory == l.directory else { return [] }
            lib.items = l.paths.map(LibraryState.Item.init)
            lib.problem = l.problem ?? (l.paths.isEmpty ? "no video files in \(l.directory)" : nil)
            library = lib
            return l.paths.isEmpty ? [] : [.loadLibrary(l.paths)]
        case .libraryClipReady(let c):
            guard var lib = library, let i = lib.items.firstIndex(where: { $0.path == c.path }) else { return [] }
            lib.items[i].clip = c
            if let w = c.warning { notice = w }
            // With a query, the new clip joins the ranking at the next debounce.
            if !lib.query.isEmpty && lib.changedAt == nil { lib.changedAt = now }
            library = lib
            return libraryTick()
        case .libraryClipFailed(let path, let m):
            guard var lib = library, let i = lib.items.firstIndex(where: { $0.path == path }) else { return [] }
            lib.items[i].problem = m
            library = lib
            return []
        case .libraryRanked(let query, let matches):
            guard var lib = library else { return [] }
            if lib.requestedQuery == query { lib.requestedQuery = nil }
            let selectedPath = lib.rankedQuery == query ? lib.selected?.path : nil
            lib.matches = Dictionary(matches.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            lib.rankedQuery = query
            // A new query puts the best match on top; a refresh of the same query keeps the pick.
            let order = lib.order
            lib.selection = selectedPath.flatMap { p in order.firstIndex { lib.items[$0].path == p } } ?? 0
            if lib.openWhenRanked && query == lib.query, let best = lib.selected {
                library = nil
                notice = nil
                return startOpen(best.path)
            }
            library = lib
            return libraryTick()
        case .libraryRankFailed(let query, let m):
            guard var lib = library else { return [] }
            if lib.requestedQuery == query { lib.requestedQuery = nil }
            lib.changedAt = nil
            library = lib
            notice = "search failed: " + m
            return []
        default:
            return []
        }
    }

    /// Asks for a ranking when one is due (debounced typing, newly encoded clips).
    mutating func libraryTick() -> [Effect] {
        guard var lib = library, lib.rankDue(now: now) else { return [] }
        lib.requestedQuery = lib.query
        lib.changedAt = nil
        library = lib
        return [.rankLibrary(query: lib.query, paths: lib.rankablePaths)]
    }

    /// Keys while the library is shown.
    mutating func handleLibraryKey(_ k: KeyEvent) -> [Effect] {
        guard var lib = library else { return [] }
        var edited = false
        let count = lib.items.count
        switch k {
        case .escape, .ctrl("g"):
            library = nil
            return []
        case .ctrl("c"):
            if lib.editor.isEmpty { library = nil; return [] }
            lib.editor.clear(); edited = true
        case .enter:
            // A description typed but not ranked yet: the list is still in name order, so opening the
            // top item would open the wrong clip. Rank now and open the best match when it arrives.
            if !lib.query.isEmpty && lib.rankedQuery != lib.query && !lib.rankablePaths.isEmpty {
                lib.openWhenRanked = true
                notice = "ranking… Enter opens the best match"
                if lib.requestedQuery != lib.query {
                    lib.requestedQuery = lib.query
                    lib.changedAt = nil
                    library = lib
                    return [.rankLibrary(query: lib.query, paths: lib.rankablePaths)]
                }
                library = lib
                return []
            }
            guard let item = lib.selected else { return [] }
            library = nil
            return startOpen(item.path)
        case .up, .ctrl("p"): lib.selection = max(0, lib.selection - 1)
        case .down, .ctrl("n"): lib.selection = min(max(0, count - 1), lib.selection + 1)
        case .pageUp: lib.selection = max(0, lib.selection - 5)
        case .pageDown: lib.selection = min(max(0, count - 1), lib.selection + 5)
        case .char(let c): lib.editor.insert(c); edited = true
        case .left, .ctrl("b"): lib.editor.moveLeft()
        case .right, .ctrl("f"): lib.editor.moveRight()
        case .home, .ctrl("a"): lib.editor.moveHome()
        case .end, .ctrl("e"): lib.editor.moveEnd()
        case .ctrl("k"): lib.editor.killToEnd(); edited = true
        case .ctrl("u"): lib.editor.killToStart(); edited = true
        case .ctrl("w"): lib.editor.deleteWordBackward(); edited = true
        case .backspace: lib.editor.deleteBackward(); edited = true
        case .delete, .ctrl("d"): lib.editor.deleteForward(); edited = true
        default: break
        }
        if edited {
            lib.changedAt = now
            if lib.query.isEmpty { lib.rankedQuery = ""; lib.matches = [:]; lib.selection = 0 }
        }
        library = lib
        return []
    }
}
