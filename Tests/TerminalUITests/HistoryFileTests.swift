import Foundation
import Testing
@testable import TerminalUI

@Suite("The history file: torn lines, bad bytes, two sessions at once, a huge file")
struct HistoryFileTests {
    static func temp() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.appendingPathComponent("history.jsonl")
    }
    static func question(_ q: String) -> TranscriptRecord { TranscriptRecord(kind: "question", clip: "x.mp4", question: q) }

    @Test("a torn last line (no newline) does not swallow the next question")
    func tornLastLine() throws {
        let url = try Self.temp()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data((#"{"kind":"question","question":"first","time":"t"}"# + "\n" + #"{"kind":"question","question":"torn"#).utf8).write(to: url)
        try TranscriptFile(url: url).append(Self.question("after the tear"))
        #expect(TranscriptFile(url: url).questions() == ["first", "after the tear"])
    }

    @Test("a line that is not UTF-8 is skipped on its own; the rest of the history stays")
    func invalidBytes() throws {
        let url = try Self.temp()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        var data = Data((#"{"kind":"question","question":"one","time":"t"}"# + "\n").utf8)
        data.append(contentsOf: [0x67, 0xFF, 0xFE, 0x0A])
        data.append(Data((#"{"kind":"question","question":"two","time":"t"}"# + "\n").utf8))
        try data.write(to: url)
        #expect(TranscriptFile(url: url).questions() == ["one", "two"])
    }

    @Test("two writers appending at once leave every record whole")
    func concurrentWriters() async throws {
        let url = try Self.temp()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<2 {
                group.addTask {
                    let f = TranscriptFile(url: url)   // each session has its own
                    for i in 0..<200 { try? f.append(Self.question("w\(w) q\(i) " + String(repeating: "x", count: 300))) }
                }
            }
        }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 400)
        let decoded = lines.compactMap { try? JSONDecoder().decode(TranscriptRecord.self, from: Data($0.utf8)) }
        #expect(decoded.count == 400)
    }

    @Test("only the file's tail is read: a 10 MB history starts fast and still recalls its last questions")
    func hugeHistoryReadsTheTail() throws {
        let url = try Self.temp()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let line = Data((#"{"kind":"question","question":"old filler question","time":"t"}"# + "\n").utf8)
        var data = Data(capacity: 10 << 20)
        while data.count < 10 << 20 { data.append(line) }
        try data.write(to: url)
        try TranscriptFile(url: url).append(Self.question("the newest"))
        let q = TranscriptFile(url: url).questions()
        #expect(q == ["old filler question", "the newest"])
    }
}
