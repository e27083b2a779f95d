import Foundation

/// The JSON Lines transcript/history file: one `TranscriptRecord` per line, appended (and closed) as each
/// event happens, so a killed session loses nothing.
public struct TranscriptFile: Sendable {
    public let url: URL
    public init(url: URL) { self.url = url }

    /// How much of the end of the file ``questions()`` reads: the recent history, whatever the file's size.
    public static let historyTailBytes = 4 << 20

    /// Questions in the file's last ``historyTailBytes``, oldest first. Lines that do not decode (a torn
    /// last line, bytes that are not UTF-8, a line cut by the tail's start) are skipped, each on its own.
    public func questions() -> [String] {
        guard let h = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        let start = size > UInt64(Self.historyTailBytes) ? size - UInt64(Self.historyTailBytes) : 0
        guard (try? h.seek(toOffset: start)) != nil, let data = try? h.readToEnd() else { return [] }
        let dec = JSONDecoder()
        var out: [String] = []
        for line in data.split(separator: 0x0A) {
            guard let rec = try? dec.decode(TranscriptRecord.self, from: Data(line)), rec.kind == "question" else { continue }
            if out.last != rec.question { out.append(rec.question) }
        }
        return out
    }

    /// Appends one record as one line, in one `write` to a file opened with O_APPEND, so that two
    /// sessions sharing the file interleave whole lines. A file whose last line was cut (no final
    /// newline) gets one first, so the new record is not glued to the torn one.
    public func append(_ record: TranscriptRecord) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(record)
        data.append(0x0A)
        let fm = FileManager.default
        if !fm.fileExists(atPath: url.deletingLastPathComponent().path) {
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        // Read-write so that the last byte can be checked; every write still goes to the end (O_APPEND).
        let fd = open(url.path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        if lastByte(fd) ?? 0x0A != 0x0A { data.insert(0x0A, at: 0) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// The file's last byte, or nil when it is empty (or cannot be read).
    private func lastByte(_ fd: Int32) -> UInt8? {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, st.st_size - 1) == 1 ? byte : nil
    }
}
