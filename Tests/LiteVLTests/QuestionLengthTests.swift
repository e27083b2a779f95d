import Foundation
import Testing
@testable import LiteVL

/// `max_question_tokens` of config.json is the question length the engine reads, as BLIP's
/// `tokenizer(question, truncation=True, max_length=35)`.
@Suite("questions are cut at the config's max_question_tokens")
struct QuestionLengthTests {
    /// The bundled model with `max_question_tokens` set to `limit`: its files linked, config.json edited.
    static func bundled(limit: Int) throws -> URL {
        let source = try #require(BF16Tests.bundled)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-question-length-\(getpid())-\(limit)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["model.safetensors", "vocab.txt", "answers.txt"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        config["max_question_tokens"] = limit
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        return dir
    }

    @Test("a model reading 8 tokens answers a long question exactly as the full model answers its first 6 words",
          .enabled(if: BF16Tests.bundled != nil, "Assets/models/litevl-tiny is not in this checkout"))
    func truncatedAtConfigLimit() throws {
        let full = try VideoQuestionAnswerer.load(directory: try #require(BF16Tests.bundled))
        let short = try VideoQuestionAnswerer.load(directory: try Self.bundled(limit: 8))
        #expect(full.model.config.maxQuestionTokens == 35 && short.model.config.maxQuestionTokens == 8)
        let v = full.model.config.vision
        var pixels = [Float](repeating: 0, count: v.numFrames * 3 * v.imageSize * v.imageSize)
        var state: UInt64 = 99
        for i in pixels.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            pixels[i] = Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        let video = Tensor(shape: [v.numFrames, 3, v.imageSize, v.imageSize], data: pixels)
        let question = "what color is the square in the middle of the screen at the end of the clip?"
        let head = "what color is the square in"          // 6 word pieces: [CLS] + 6 + [SEP] = 8
        #expect(short.tokenizer.questionIDs(question, maxLength: 8).textOnly == full.tokenizer.questionIDs(head, maxLength: 35).textOnly)
        let cut = try short.ask(question, video: try short.encode(video: video))
        let reference = try full.ask(head, video: try full.encode(video: video))
        let whole = try full.ask(question, video: try full.encode(video: video))
        #expect(cut.candidates == reference.candidates)
        #expect(cut.temporalWeights == reference.temporalWeights)
        // The limit changed what the model read: the whole question scores differently.
        #expect(cut.candidates.map(\.score) != whole.candidates.map(\.score))
    }
}
