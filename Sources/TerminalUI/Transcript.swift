import Foundation

/// The JSON Lines transcript/history file: one `TranscriptRecord` per line, appended (and closed) as each
/// event happens, so a killed session loses nothing.
public struct TranscriptFile: Sendable {
    public let url: URL
    public init(url: URL) { self.url = url }

    /// Questions in the file, oldest first (unreadable lines, e.g. a torn last line, are skipped).
    public func questions() -> [String] {
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else { return [] }
        let dec = JSONDecoder()
        var out: [String] = []
        for line in text.split(separator: "\n") {
            guard let rec = try? dec.decode(TranscriptRecord.self, from: Data(line.utf8)), rec.kind == "question" else { continue }
            if out.last != rec.question { out.append(rec.question) }
        }
        return out
    }

    /// Appends one record as one line.
    public func append(_ record: TranscriptRecord) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(record)
        data.append(0x0A)
        let fm = FileManager.default
        if !fm.fileExists(atPath: url.path) {
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: data)
    }
}
