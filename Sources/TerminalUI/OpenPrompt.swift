import Foundation

/// The entries of one directory, as the open prompt lists them.
public struct DirectoryListing: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var isDirectory: Bool
        public init(name: String, isDirectory: Bool) { self.name = name; self.isDirectory = isDirectory }
    }
    /// The directory part of the typed path, exactly as typed ("" is the current directory, else ends in "/").
    public var directory: String
    public var entries: [Entry]
    /// Why it could not be read, if it could not.
    public var problem: String?
    public init(directory: String, entries: [Entry], problem: String? = nil) {
        self.directory = directory; self.entries = entries; self.problem = problem
    }

    /// File name extensions offered in the list (anything can still be typed).
    public static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts",
                                                      "mts", "flv", "wmv", "3gp", "ogv", "gif", "y4m"]

    public static func isVideo(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return videoExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// `~/x` → `$HOME/x`, "" → ".".
    public static func expand(_ path: String) -> String {
        if path.isEmpty { return "." }
        if path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + path.dropFirst()
        }
        return path
    }

    /// Reads `directory` (as typed; see `directory`). Entries sorted by name; "../" first unless at "/".
    public static func read(_ directory: String) -> DirectoryListing {
        let fm = FileManager.default
        let path = expand(directory)
        do {
            let names = try fm.contentsOfDirectory(atPath: path).sorted()
            var out: [Entry] = []
            let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
            if standardized != "/" { out.append(Entry(name: "..", isDirectory: true)) }
            for n in names {
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: (path as NSString).appendingPathComponent(n), isDirectory: &isDir)
                out.append(Entry(name: n, isDirectory: isDir.boolValue))
            }
            return DirectoryListing(directory: directory, entries: out)
        } catch {
            return DirectoryListing(directory: directory, entries: [], problem: "cannot list \(path)")
        }
    }
}

/// The `o` prompt: a typed path with Tab completion and a short list of the video files and folders of
/// the typed directory to pick from with Up/Down. Pure: directory contents arrive as `DirectoryListing`s.
public struct OpenPrompt: Sendable, Equatable {
    public var editor: LineEditor
    public var listing: DirectoryListing?
    /// The name prefix the list is filtered by (the typed file name; not changed by Up/Down).
    public var filter: String = ""
    /// Index into `choices` picked with Up/Down (nil: the typed text).
    public var selection: Int?
    /// A one-line remark (no match, cannot list…).
    public var message: String?

    public init(path: String) {
        editor = LineEditor(text: path)
        filter = Self.split(path).base
    }

    /// "a/b/c.mp4" → ("a/b/", "c.mp4"); "c" → ("", "c").
    public static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// The directory the typed text points into.
    public var typedDirectory: String { Self.split(editor.text).directory }

    /// Listed entries matching the filter: folders and video files (hidden ones only when the filter starts with ".").
    public var choices: [DirectoryListing.Entry] {
        guard let l = listing, l.directory == typedDirectory else { return [] }
        return l.entries.filter { e in
            guard e.name.hasPrefix(filter) else { return false }
            if e.name.hasPrefix(".") && e.name != ".." && !filter.hasPrefix(".") { return false }
            if e.name == ".." && !filter.isEmpty { return false }
            return e.isDirectory || DirectoryListing.isVideo(e.name)
        }
    }

    /// Tab: completes the file name as far as it is unambiguous (over every entry, not just videos).
    public mutating func complete() {
        let (dir, base) = Self.split(editor.text)
        guard let l = listing, l.directory == dir else { return }
        let matches = l.entries.filter { $0.name != ".." && $0.name.hasPrefix(base) && (!$0.name.hasPrefix(".") || base.hasPrefix(".")) }
        guard !matches.isEmpty else { message = "no file starts with \"\(base)\""; return }
        var common = matches[0].name
        for m in matches.dropFirst() {
            common = String(zip(common, m.name).prefix { $0 == $1 }.map(\.0))
        }
        if matches.count == 1 {
            setText(dir + matches[0].name + (matches[0].isDirectory ? "/" : ""))
            message = nil
        } else {
            if common.count > base.count { setText(dir + common) }
            message = "\(matches.count) matches"
        }
    }

    /// Up/Down through the list (wrapping to the typed text at the ends).
    public mutating func moveSelection(_ d: Int) {
        let n = choices.count
        guard n > 0 else { return }
        if let s = selection {
            let next = s + d
            selection = next < 0 || next >= n ? nil : next
        } else {
            selection = d > 0 ? 0 : n - 1
        }
        if let s = selection {
            let e = choices[s]
            // No trailing slash on folders: the list stays the one of this directory; Enter goes in.
            editor = LineEditor(text: typedDirectory + e.name)
        } else {
            editor = LineEditor(text: typedDirectory + filter)
        }
    }

    /// Replaces the text as if typed.
    public mutating func setText(_ text: String) {
        editor = LineEditor(text: text)
        textChanged()
    }

    /// After an edit: the filter follows the typed name, the pick is dropped.
    public mutating func textChanged() {
        filter = Self.split(editor.text).base
        selection = nil
        message = nil
    }

    /// What Enter does with the current text.
    public enum Decision: Equatable { case open(String), enter(directory: String), nothing }

    public func decide() -> Decision {
        let text = editor.text
        if text.isEmpty { return .nothing }
        if text.hasSuffix("/") { return .nothing }
        let (dir, base) = Self.split(text)
        if base == ".." || base == "." { return .enter(directory: text + "/") }
        if let l = listing, l.directory == dir, l.entries.contains(where: { $0.name == base && $0.isDirectory }) {
            return .enter(directory: text + "/")
        }
        return .open(text)
    }
}
