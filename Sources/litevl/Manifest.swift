import Foundation
import LiteVL

/// A JSON Lines manifest of questions about clips, one `{"video", "question", "answer", "family"}`
/// object a line (`eval` needs the answers, `demo` only the questions). Videos are relative to the
/// manifest's folder.
enum Manifest {
    /// One question of a manifest.
    struct Item {
        /// The video's path, resolved against the manifest's folder.
        var video: String
        var question: String
        var answer: String?
        var family: String?
        /// The manifest line (1-based, as an editor shows it) and the video as written there.
        var line: Int
        var written: String
    }

    /// Whether every line must carry an answer.
    enum Answers { case required, optional }

    /// Reads the manifest at `path` (a file, or a pipe such as `<(…)`). Every error names the file
    /// and, for a bad line, its number.
    static func read(_ path: String, answers: Answers) throws(CommandFailure) -> [Item] {
        let url = URL(fileURLWithPath: path)
        // Read through a handle: a pipe (<(…), /dev/stdin) has no size to read up to.
        let isRegular = ((try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType) == .typeRegular
        let bytes = isRegular ? try? Data(contentsOf: url) : FileHandle(forReadingAtPath: path).flatMap { try? $0.readToEnd() }
        guard let bytes, let text = String(data: bytes, encoding: .utf8) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure(message: !exists ? "manifest not found: \(path) (check the path)"
                                 : isDirectory.boolValue ? "\(path) is a directory; give a JSON Lines manifest file (one {\"video\", \"question\", \"answer\"} object a line)"
                                 : "cannot read manifest \(path) as UTF-8 text")
        }
        // Videos are relative to the manifest's folder; to the current one for a manifest read from a pipe.
        let base = isRegular ? url.deletingLastPathComponent() : URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let fields = answers == .required ? "video, question, answer" : "video, question"
        var items: [Item] = []
        // Blank lines are kept in the split so that n + 1 is the line number an editor shows.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                  let video = object["video"] as? String, let question = object["question"] as? String,
                  answers == .optional || object["answer"] is String
            else {
                throw CommandFailure(message: "\(path):\(n + 1): expected a JSON object with string fields \(fields)")
            }
            if let problem = VideoQuestionAnswerer.questionProblem(question) { throw CommandFailure(message: "\(path):\(n + 1): \(problem)") }
            let resolved = video.hasPrefix("/") ? video : base.appendingPathComponent(video).path
            items.append(Item(video: resolved, question: question, answer: object["answer"] as? String,
                              family: object["family"] as? String, line: n + 1, written: video))
        }
        guard !items.isEmpty else { throw CommandFailure(message: "manifest \(path) holds no questions") }
        return items
    }
}
