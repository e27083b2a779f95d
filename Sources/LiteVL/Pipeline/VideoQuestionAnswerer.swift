import Foundation

/// Question answering about a video: the model, its tokenizer and its answer list, with strings
/// in and answers (plus everything the UI shows about how they were found) out.
///
/// Encode a clip once with ``encode(video:)``; every question about it then only runs the text side.
public final class VideoQuestionAnswerer: Sendable {
    public let model: LiteVLModel
    public let tokenizer: BertTokenizer
    /// The candidate answers ranked by BLIP's `rank_answer`; empty means free generation.
    public let answers: [String]
    /// `[DEC] answer [SEP]` ids of each candidate.
    public let answerIDs: [[Int]]
    /// The model's name from its config (shown by the UI).
    public var name: String { model.config.name }

    public init(model: LiteVLModel, tokenizer: BertTokenizer, answers: [String]) {
        self.model = model
        self.tokenizer = tokenizer
        self.answers = answers
        self.answerIDs = answers.map { tokenizer.encodeAnswer($0).map(Int.init) }
    }

    /// Loads a model directory: `config.json`, `model.safetensors`, `vocab.txt` and, when present,
    /// `answers.txt` (one candidate a line). `answersFile` replaces the model's own list;
    /// `precision` is the linear layers' (``LiteVLModel/load(directory:precision:)``).
    public static func load(directory: URL, answersFile: URL? = nil, precision: WeightPrecision = .float32) throws -> VideoQuestionAnswerer {
        let model = try LiteVLModel.load(directory: directory, precision: precision)
        let vocabURL = directory.appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabURL.path) else { throw ModelError.fileMissing(path: vocabURL.path, what: "vocabulary") }
        let st = model.config.specialTokens
        let special = BertSpecialTokens(pad: Int32(st.pad), unknown: Int32(st.unk), cls: Int32(st.cls), sep: Int32(st.sep),
                                        dec: Int32(st.dec), enc: Int32(st.enc))
        let tokenizer = try BertTokenizer(contentsOf: vocabURL, specialTokens: special)
        // Token ids index the word embeddings: a vocabulary from another model would read past them
        // (more tokens than rows) or answer nonsense (special tokens missing).
        let rows = model.config.text.vocabSize, tokens = tokenizer.vocabulary.count
        let specials = [("[PAD]", st.pad), ("[UNK]", st.unk), ("[CLS]", st.cls), ("[SEP]", st.sep)]
        if tokens > rows {
            throw ModelError.badInput("\(vocabURL.path) has \(tokens) tokens but config.json's text.vocab_size is \(rows): the vocabulary does not belong to this model (copy the vocab.txt it was trained with)")
        }
        if let (name, id) = specials.first(where: { $0.1 < 0 || $0.1 >= tokens }) {
            throw ModelError.badInput("\(vocabURL.path) has \(tokens) tokens, too few for config.json's \(name) id \(id): the vocabulary does not belong to this model (copy the vocab.txt it was trained with)")
        }
        // BLIP appends [DEC] and [ENC] after the vocabulary file's tokens; every other row of the word
        // table is a line of vocab.txt. Fewer lines is a cut file: every answer would read as [UNK].
        let appended = Set([st.dec, st.enc].filter { $0 >= tokens }).count
        if tokens + appended < rows {
            throw ModelError.badInput("\(vocabURL.path) has \(tokens) tokens but config.json's text.vocab_size is \(rows) (\(appended) of them added after the file): the file is cut short or belongs to another model (copy the vocab.txt the model was trained with)")
        }
        var answers: [String] = []
        let listURL = answersFile ?? directory.appendingPathComponent("answers.txt")
        if answersFile != nil || FileManager.default.fileExists(atPath: listURL.path) {
            answers = try readAnswerList(listURL)
        }
        let answerer = VideoQuestionAnswerer(model: model, tokenizer: tokenizer, answers: answers)
        // The decoder reads [DEC] and an answer's tokens at positions 0..<max_positions.
        let positions = model.config.decoder.maxPositions
        if let i = answerer.answerIDs.firstIndex(where: { $0.count - 1 > positions }) {
            let shown = answers[i].count > 40 ? answers[i].prefix(40).trimmingCharacters(in: .whitespaces) + "…" : answers[i]
            throw ModelError.badInput("answer list \(listURL.path): the answer \"\(shown)\" is \(answerer.answerIDs[i].count - 2) tokens long, more than the \(positions - 1) the model's decoder reads (config.json decoder.max_positions); shorten it")
        }
        return answerer
    }

    /// Reads a candidate list: one answer a line, blank lines and surrounding spaces ignored.
    public static func readAnswerList(_ url: URL) throws -> [String] {
        let text: String
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError.readFailure(url, what: ModelError.answerListFile, error) }
        guard let decoded = String(data: data, encoding: .utf8) else { throw ModelError.unreadable(path: url.path, reason: "not UTF-8 text") }
        text = decoded
        let list = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !list.isEmpty else { throw ModelError.badInput("answer list \(url.path) is empty (write one candidate answer a line)") }
        return list
    }

    /// Encodes a clip (`[frames, 3, S, S]`, normalised as the config says). Throws
    /// ``ModelError/nonFinite(path:stage:)`` when the features or scales are not finite numbers
    /// (damaged weights), so that no answer is computed from them.
    public func encode(video: Tensor) throws(ModelError) -> EncodedVideo {
        let encoded = model.encode(video: video)
        if !encoded.isFinite { throw .nonFinite(path: model.source, stage: "the video features") }
        return encoded
    }

    /// How to answer.
    public struct Options: Sendable {
        /// Use text-dependent pooling (when the model was trained with it).
        public var pooling: Bool = true
        /// How many candidates to keep by first-token probability before full scoring (BLIP: 128).
        public var rankK: Int = 128
        /// Beam width for free generation (when there is no answer list); 1 is greedy.
        public var beams: Int = 3
        /// Collect cross-attention maps for the UI.
        public var attentionMaps: Bool = true
        /// Time each stage into this profile (bench).
        public var profile: StageProfile?
        public init() {}
    }

    /// One candidate with its score.
    public struct Candidate: Sendable, Equatable, Codable {
        public var answer: String
        /// BLIP's rank score: −Σ label-smoothed token losses.
        public var score: Double
        /// softmax of the scores over the ranked candidates.
        public var probability: Float
    }

    /// The answer to one question, and how it was found.
    public struct Result: Sendable {
        public var question: String
        public var answer: String
        /// Ranked candidates, best first (empty for free generation).
        public var candidates: [Candidate]
        /// The pooling weights over frames and over patch positions (nil without pooling).
        public var temporalWeights: [Float]?
        public var spatialWeights: [Float]?
        /// Cross-attention of the text encoder onto each frame's patch grid, per layer:
        /// `attentionMaps[layer][frame]` has `grid · grid` values (row-major), averaged over heads
        /// and question tokens.
        public var attentionMaps: [[[Float]]]
        public var gridSize: Int
        /// Seconds spent on this question.
        public var seconds: Double
    }

    /// The longest question accepted, in characters. BLIP reads only the first 35 tokens (about 30
    /// words) of a question, so anything this long is a paste gone wrong, not a question.
    public static let maxQuestionCharacters = 1000

    /// Why `question` cannot be asked (empty, or longer than ``maxQuestionCharacters``), or nil.
    /// Cheap: callers check before loading a model or decoding a clip.
    public static func questionProblem(_ question: String) -> String? {
        switch TextInputProblem(question) {
        case .tooLong?:
            return "the question is longer than \(maxQuestionCharacters) characters, the limit (a model reads only a question's first tokens, 35 in BLIP, about 30 words): ask a shorter question"
        case .empty?:
            return "the question is empty; type a question about the clip"
        case nil:
            return nil
        }
    }

    /// What makes a text (a question, or a search description) unreadable for the model.
    public enum TextInputProblem: Sendable, Equatable {
        /// Longer than ``VideoQuestionAnswerer/maxQuestionCharacters``.
        case tooLong
        /// Nothing left after BLIP's normalisation but whitespace and control characters.
        case empty

        /// The problem with `text`, or nil when the model can read it.
        public init?(_ text: String) {
            // Count lazily: a pasted megabyte is refused after 1001 characters.
            var length = 0
            for _ in text where length <= VideoQuestionAnswerer.maxQuestionCharacters { length += 1 }
            if length > VideoQuestionAnswerer.maxQuestionCharacters { self = .tooLong; return }
            // Control characters are dropped by the tokenizer: a text of only those is empty too.
            let normalized = QuestionNormalizer().normalize(text)
            if normalized.unicodeScalars.allSatisfy({ $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
                self = .empty; return
            }
            return nil
        }
    }

    /// Answers `question` about an encoded clip.
    public func ask(_ question: String, video: EncodedVideo, options: Options = Options()) throws -> Result {
        let start = DispatchTime.now()
        if let problem = Self.questionProblem(question) { throw ModelError.badInput(problem) }
        let (textIDs, questionIDs) = tokenizer.questionIDs(question, maxLength: model.config.maxQuestionTokens)
        let profile = options.profile
        var mark = profile?.now()
        let usePooling = options.pooling && model.config.pooling.enabled
        let feature = usePooling ? model.textFeature(ids: textIDs) : nil
        if let profile { mark = profile.record("text.feature", since: mark!) }
        let pooling = feature.map { model.pool(video, question: $0) }
        let memory = model.memory(video, pooling: pooling)
        if let profile { mark = profile.record("pooling", since: mark!) }
        let encoded = model.encodeQuestion(ids: questionIDs, memory: memory, recordCrossAttention: options.attentionMaps)
        let decoderMemory = model.decoder.memory(questionStates: encoded.states)
        if let profile { mark = profile.record("text.encoder", since: mark!) }
        var candidates: [Candidate] = []
        let answer: String
        if answers.isEmpty {
            let generation = model.decoder.generate(memory: decoderMemory, beams: max(1, options.beams))
            if !generation.score.isFinite { throw ModelError.nonFinite(path: model.source, stage: "the generated answer's score") }
            answer = tokenizer.decode(generation.answerIDs.map { Int32($0) })
        } else {
            let ranked = model.decoder.rank(candidates: answerIDs, memory: decoderMemory, k: options.rankK)
            if ranked.contains(where: { !$0.score.isFinite }) { throw ModelError.nonFinite(path: model.source, stage: "the answer scores") }
            let m = ranked.map(\.score).max() ?? 0
            let z = ranked.reduce(0.0) { $0 + exp($1.score - m) }
            candidates = ranked.map { Candidate(answer: answers[$0.index], score: $0.score, probability: Float(exp($0.score - m) / z)) }
            answer = candidates.first?.answer ?? ""
        }
        if let profile { _ = profile.record(answers.isEmpty ? "answer.generate" : "answer.rank", since: mark!) }
        let maps = options.attentionMaps ? attentionMaps(encoded.crossAttention, frames: video.frameCount) : []
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Result(question: question, answer: answer, candidates: candidates,
                      temporalWeights: pooling?.temporalWeights, spatialWeights: pooling?.spatialWeights,
                      attentionMaps: maps, gridSize: model.config.vision.gridSize, seconds: seconds)
    }

    /// Cross-attention probabilities (`[heads, tokens, memory]` per layer) onto each frame's
    /// patch grid, averaged over heads and tokens; the class-token columns are dropped.
    func attentionMaps(_ layers: [Tensor], frames: Int) -> [[[Float]]] {
        let n = model.config.vision.patchCount, positions = 1 + n
        return layers.map { p in
            let heads = p.shape[0], tokens = p.shape[1], m = p.shape[2]
            var maps = [[Float]](repeating: [Float](repeating: 0, count: n), count: frames)
            let scale = 1 / Float(heads * tokens)
            for h in 0..<heads {
                for q in 0..<tokens {
                    let row = (h * tokens + q) * m
                    for t in 0..<frames {
                        for j in 0..<n { maps[t][j] += p.data[row + t * positions + 1 + j] * scale }
                    }
                }
            }
            return maps
        }
    }
}
