import Foundation
import Testing
@testable import LiteVL

/// Paths found from this file, not SwiftPM resources: the fixture next to the tests, the
/// vocabulary at the repository root.
private enum TokenizerTestPaths {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixture = testsDirectory.appendingPathComponent("Fixtures/tokenizer/cases.json")
    static let vocabulary = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Assets/vocab.txt")
}

/// The reference written by Training/make_tokenizer_fixture.py.
private struct TokenizerFixture: Decodable {
    struct EncodeCase: Decodable { let text: String; let maxLength: Int; let ids: [Int32] }
    struct QuestionCase: Decodable { let text: String; let normalized: String; let ids: [Int32] }
    struct AnswerCase: Decodable { let text: String; let ids: [Int32] }
    struct DecodeCase: Decodable { let ids: [Int32]; let skipSpecialTokens: Bool; let cleanUp: Bool; let text: String }
    let cases: [EncodeCase]
    let questions: [QuestionCase]
    let answers: [AnswerCase]
    let decodes: [DecodeCase]

    static func load() throws -> TokenizerFixture {
        try JSONDecoder().decode(TokenizerFixture.self, from: Data(contentsOf: TokenizerTestPaths.fixture))
    }
}

private let sharedTokenizer: Result<BertTokenizer, any Error> = Result {
    try BertTokenizer(contentsOf: TokenizerTestPaths.vocabulary)
}

private func tokenizer() throws -> BertTokenizer { try sharedTokenizer.get() }

/// Scalars of a string, for readable failure messages about invisible characters.
private func escaped(_ text: String) -> String {
    text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
        .joined()
}

@Suite("Tokenizer")
struct TokenizerTests {
    @Test func vocabularyLoads() throws {
        let tokenizer = try tokenizer()
        #expect(tokenizer.vocabulary.count == 30522)
        #expect(tokenizer.vocabulary.id(for: "[PAD]") == 0)
        #expect(tokenizer.vocabulary.id(for: "[UNK]") == 100)
        #expect(tokenizer.vocabulary.id(for: "[CLS]") == 101)
        #expect(tokenizer.vocabulary.id(for: "[SEP]") == 102)
        #expect(tokenizer.vocabulary.id(for: "[MASK]") == 103)
        #expect(tokenizer.vocabulary.id(for: "##able") != nil)
        #expect(tokenizer.vocabulary.token(for: 7592) == "hello")
        #expect(tokenizer.vocabulary.token(for: 30522) == nil)
        #expect(tokenizer.token(for: 30522) == "[DEC]")
        #expect(tokenizer.token(for: 30523) == "[ENC]")
    }

    @Test func everyFixtureCaseMatchesHuggingFace() throws {
        let tokenizer = try tokenizer()
        let fixture = try TokenizerFixture.load()
        #expect(fixture.cases.count > 300)
        var failures: [String] = []
        for c in fixture.cases {
            let ids = tokenizer.encode(c.text, maxLength: c.maxLength)
            if ids != c.ids {
                failures.append("\"\(escaped(c.text))\" (max \(c.maxLength)): got \(ids), expected \(c.ids)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(fixture.cases.count) cases differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test func fixtureQuestionsMatchBLIP() throws {
        let tokenizer = try tokenizer()
        let fixture = try TokenizerFixture.load()
        let normalizer = QuestionNormalizer()
        for q in fixture.questions {
            #expect(normalizer.normalize(q.text) == q.normalized, "pre_question(\"\(escaped(q.text))\")")
            #expect(tokenizer.encodeQuestion(q.text) == q.ids, "question \"\(escaped(q.text))\"")
            var textOnly = q.ids
            textOnly[0] = 101
            #expect(tokenizer.encodeQuestion(q.text, for: .textOnly) == textOnly)
        }
    }

    @Test func fixtureAnswersMatchBLIP() throws {
        let tokenizer = try tokenizer()
        for a in try TokenizerFixture.load().answers {
            #expect(tokenizer.encodeAnswer(a.text) == a.ids, "answer \"\(escaped(a.text))\"")
        }
    }

    @Test func fixtureDecodesMatchHuggingFace() throws {
        let tokenizer = try tokenizer()
        let fixture = try TokenizerFixture.load()
        #expect(!fixture.decodes.isEmpty)
        for d in fixture.decodes {
            let text = tokenizer.decode(d.ids, skipSpecialTokens: d.skipSpecialTokens, cleanUpTokenizationSpaces: d.cleanUp)
            #expect(text == d.text, "decode(\(d.ids), skip: \(d.skipSpecialTokens), cleanUp: \(d.cleanUp))")
            #expect(text.unicodeScalars.elementsEqual(d.text.unicodeScalars))
        }
    }

    /// U+FDD0 and U+FFFF are noncharacters (category Cn), which BERT's cleaning drops. The
    /// `tokenizers` crate's older tables miss this (it gives a single [UNK]), so the case is not in
    /// the fixture; the ids here are transformers' BertTokenizer's, i.e. BLIP's.
    @Test func noncharactersAreDroppedAsInTransformers() throws {
        var text = "noncharacter"
        text.unicodeScalars.append(contentsOf: [Unicode.Scalar(0xFDD0)!, Unicode.Scalar(0xFFFF)!])
        #expect(try tokenizer().encode(text) == [101, 2512, 7507, 22648, 3334, 102])
    }

    @Test func wordPiecesAndSpecialTokens() throws {
        let tokenizer = try tokenizer()
        #expect(tokenizer.tokenize("unaffable") == ["una", "##ffa", "##ble"])
        #expect(tokenizer.encode("") == [101, 102])
        #expect(tokenizer.encode("[DEC] hi [ENC]").first == 101)
        #expect(tokenizer.tokenIDs("[DEC] hi [ENC]") == [30522, 7632, 30523])
        #expect(tokenizer.tokenIDs(String(repeating: "a", count: 101)) == [100])
        #expect(tokenizer.encode("one two three four five", maxLength: 4) == [101, 2028, 2048, 102])
        #expect(BasicTokenizer().tokenize("Héllo,  WORLD!中文") == ["hello", ",", "world", "!", "中", "文"])
    }

    @Test func decodeRoundTripsPlainText() throws {
        let tokenizer = try tokenizer()
        for text in ["which way is the red circle moving?", "hello world, this is a test.",
                     "the quick brown fox jumps over the lazy dog", "unaffable pneumonoultramicroscopicsilicovolcanoconiosis",
                     "don't stop, it's 5 o'clock!", "how many triangles are there?"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
            #expect(tokenizer.decode(tokenizer.encodeQuestion(text)) == QuestionNormalizer().normalize(text))
        }
        #expect(tokenizer.decode(tokenizer.encode("Café RÉSUMÉ")) == "cafe resume")
        #expect(tokenizer.decode([101, 7592, 102], skipSpecialTokens: false) == "[CLS] hello [SEP]")
    }

    @Test func questionNormalisation() {
        let n = QuestionNormalizer()
        #expect(n.normalize("Which way is the RED circle moving?") == "which way is the red circle moving?")
        #expect(n.normalize("What's this (really)?!") == "what's this really?")
        #expect(n.normalize("a.b!c\"d(e)f*g#h:i;j~k,l") == "abcdefghijk,l")
        #expect(n.normalize("trailing spaces   ") == "trailing spaces")
        #expect(n.normalize("trailing tab\t ") == "trailing tab\t")
        #expect(n.normalize("  two  spaces") == "  two  spaces")
        #expect(n.normalize("ΟΔΟΣ Σ") == "οδος σ")
        let words = (0..<60).map { "w\($0)" }
        #expect(n.normalize(words.joined(separator: " ")) == words.prefix(50).joined(separator: " "))
        #expect(QuestionNormalizer(maxWords: 2).normalize("a  b c") == "a ")
    }

    @Test func missingVocabularyFileIsNamed() throws {
        let url = URL(fileURLWithPath: "/nonexistent/litevl/vocab.txt")
        #expect(throws: WordPieceVocabularyError.fileNotFound(path: url.path)) {
            try WordPieceVocabulary(contentsOf: url)
        }
        do {
            _ = try BertTokenizer(contentsOf: url)
            Issue.record("loading a missing vocabulary succeeded")
        } catch {
            #expect("\(error)".contains("/nonexistent/litevl/vocab.txt"))
        }
    }

    @Test func emptyAndMalformedVocabularyFilesAreRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        #expect(throws: WordPieceVocabularyError.empty(path: empty.path)) { try WordPieceVocabulary(contentsOf: empty) }
        let blankLine = directory.appendingPathComponent("blank.txt")
        try Data("[PAD]\n\nhello\n".utf8).write(to: blankLine)
        #expect(throws: WordPieceVocabularyError.malformed(path: blankLine.path, line: 2, reason: "empty token")) {
            try WordPieceVocabulary(contentsOf: blankLine)
        }
        let notUTF8 = directory.appendingPathComponent("latin1.txt")
        try Data([0x61, 0xE9, 0x0A]).write(to: notUTF8)
        #expect(throws: WordPieceVocabularyError.self) { try WordPieceVocabulary(contentsOf: notUTF8) }
        let crlf = directory.appendingPathComponent("crlf.txt")
        try Data("a\r\nb\r\n##c".utf8).write(to: crlf)
        let vocabulary = try WordPieceVocabulary(contentsOf: crlf)
        #expect(vocabulary.tokens == ["a", "b", "##c"])
    }

    /// Not an assertion: prints how long a typical question takes to tokenise.
    @Test func timingOfATypicalQuestion() throws {
        let start = Date()
        let tokenizer = try BertTokenizer(contentsOf: TokenizerTestPaths.vocabulary)
        let loadSeconds = Date().timeIntervalSince(start)
        let questions = ["which way is the red circle moving?", "How many triangles are there in the video?",
                         "Is the blue square bouncing off the wall?"]
        var checksum = 0
        let iterations = 3000
        let loopStart = Date()
        for i in 0..<iterations {
            checksum &+= tokenizer.encodeQuestion(questions[i % questions.count]).count
        }
        let perCall = Date().timeIntervalSince(loopStart) / Double(iterations)
        print(String(format: "tokenizer timing: vocabulary load %.1f ms, encodeQuestion %.2f µs per question (checksum %d)",
                     loadSeconds * 1000, perCall * 1_000_000, checksum))
    }
}
