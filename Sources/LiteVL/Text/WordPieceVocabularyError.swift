/// Why a ``WordPieceVocabulary`` could not be loaded. Every case names the file.
public enum WordPieceVocabularyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist (or is not a regular file).
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file holds no tokens.
    case empty(path: String)
    /// The file is not a one-token-per-line UTF-8 list; `line` is 1-based.
    case malformed(path: String, line: Int, reason: String)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "WordPiece vocabulary file not found: \(path)"
        case .unreadable(let path, let reason):
            return "WordPiece vocabulary file \(path) could not be read: \(reason)"
        case .empty(let path):
            return "WordPiece vocabulary file \(path) is empty (expected one token per line)"
        case .malformed(let path, let line, let reason):
            return "WordPiece vocabulary file \(path) is malformed at line \(line): \(reason)"
        }
    }
}
