import Foundation

/// A WordPiece vocabulary: one token per line, the id of a token being its 0-based line number
/// (the `vocab.txt` format of BERT and Hugging Face).
///
/// Lookups are by exact Unicode scalars, as in Python. (Swift's `String` equality is canonical
/// equivalence, under which e.g. a precomposed Hangul syllable equals its jamo, so a
/// `[String: Int32]` dictionary would find tokens Hugging Face does not.) The tables are built
/// once at load time; the type is an immutable, `Sendable` value.
public struct WordPieceVocabulary: Sendable {
    /// The tokens, indexed by id.
    public let tokens: [String]
    /// Every token, keyed by its scalars.
    let wholeTokenIDs: [ArraySlice<Unicode.Scalar>: Int32]
    /// The tokens starting with "##", keyed by the scalars after the "##".
    let continuationIDs: [ArraySlice<Unicode.Scalar>: Int32]
    /// The largest scalar count among the keys of `wholeTokenIDs`.
    let longestToken: Int
    /// The largest scalar count among the keys of `continuationIDs`.
    let longestContinuation: Int

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// Builds a vocabulary from its tokens, the id of each being its index.
    ///
    /// If a token occurs twice, the later id wins for token → id, as in Hugging Face.
    public init(tokens: [String]) {
        self.tokens = tokens
        var whole: [ArraySlice<Unicode.Scalar>: Int32] = [:]
        var continuation: [ArraySlice<Unicode.Scalar>: Int32] = [:]
        whole.reserveCapacity(tokens.count)
        var longestToken = 0
        var longestContinuation = 0
        for (index, token) in tokens.enumerated() {
            let scalars = Array(token.unicodeScalars)
            whole[scalars[...]] = Int32(index)
            longestToken = max(longestToken, scalars.count)
            if scalars.count >= 2, scalars[0] == "#", scalars[1] == "#" {
                continuation[scalars[2...]] = Int32(index)
                longestContinuation = max(longestContinuation, scalars.count - 2)
            }
        }
        self.wholeTokenIDs = whole
        self.continuationIDs = continuation
        self.longestToken = longestToken
        self.longestContinuation = longestContinuation
    }

    /// Loads a `vocab.txt` file: UTF-8, one token per line. Lines end with LF, CRLF or CR (as
    /// Python's universal newlines read them); a final line break is optional.
    ///
    /// - Throws: ``WordPieceVocabularyError`` naming the file when it is missing, unreadable, empty,
    ///   not UTF-8, has an empty line or a duplicated token.
    public init(contentsOf url: URL) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw WordPieceVocabularyError.fileNotFound(path: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WordPieceVocabularyError.unreadable(path: path, reason: "\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WordPieceVocabularyError.malformed(path: path, line: 1, reason: "the file is not valid UTF-8")
        }
        // Split on LF, CR and CRLF by scalars (Character would merge CRLF, and String comparison
        // would normalise tokens).
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if !previousWasCR { lines.append(String(current)); current = String.UnicodeScalarView() }
                previousWasCR = false
            } else if scalar == "\r" {
                lines.append(String(current)); current = String.UnicodeScalarView()
                previousWasCR = true
            } else {
                current.append(scalar)
                previousWasCR = false
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        guard !lines.isEmpty else { throw WordPieceVocabularyError.empty(path: path) }
        var seen: [ArraySlice<Unicode.Scalar>: Int] = [:]
        seen.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            if line.unicodeScalars.isEmpty {
                throw WordPieceVocabularyError.malformed(path: path, line: index + 1, reason: "empty token")
            }
            let key = Array(line.unicodeScalars)[...]
            if let first = seen[key] {
                throw WordPieceVocabularyError.malformed(
                    path: path, line: index + 1, reason: "token \"\(line)\" already on line \(first + 1)")
            }
            seen[key] = index
        }
        self.init(tokens: lines)
    }

    /// The id of `token` (exact scalar match), or `nil` when it is not in the vocabulary.
    public func id(for token: String) -> Int32? {
        wholeTokenIDs[Array(token.unicodeScalars)[...]]
    }

    /// The token of `id`, or `nil` when `id` is out of range.
    public func token(for id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    /// Whether `token` (exact scalar match) is in the vocabulary.
    public func contains(_ token: String) -> Bool { id(for: token) != nil }
}
