import Foundation
import Testing
@testable import LiteVL

/// Text-to-video retrieval against the PyTorch reference (`python3 Training/make_retrieval_fixture.py`):
/// frame embeddings, the pooled ITC score and its frame weights, ITM logits and P(match), for three
/// clips and three queries on the tiny_dynamic model.
@Suite("Retrieval parity with the PyTorch reference")
struct RetrievalParityTests {
    @Test("pooled similarity, frame weights and ITM probability match the reference")
    func parity() throws {
        let f = try ParityFixture("tiny_dynamic")
        let url = ParityFixture.directory.appendingPathComponent("retrieval/retrieval.safetensors")
        let file = try SafeTensorsFile(path: url.path)
        let videos = try file.tensor("videos")
        let clips = videos.shape[0], queries = file.entries["query_ids"]!.shape[0], length = file.entries["query_ids"]!.shape[1]
        let ids = try file.integers("query_ids")
        let m = f.model
        let encoded = (0..<clips).map { m.encode(video: ParityFixture.slice(videos, $0)) }
        let u = encoded.map { m.frameEmbeddings($0) }
        #expect(f.error(u.flatMap(\.data), try file.tensor("frame_embeddings").data) < 1e-4, "frame embeddings")
        let expectedSimilarity = try file.tensor("pooled_similarity").data
        let expectedWeights = try file.tensor("frame_weights").data
        let expectedLogits = try file.tensor("itm_logits").data
        let expectedProbability = try file.tensor("itm_probability").data
        let frames = encoded[0].frameCount
        for qi in 0..<queries {
            let textIDs = Array(ids[(qi * length)..<((qi + 1) * length)])
            var multimodal = textIDs
            multimodal[0] = f.config.specialTokens.enc
            let q = m.textFeature(ids: textIDs)
            #expect(f.error(q, ParityFixture.slice(try file.tensor("q"), qi).data) < 1e-4, "q \(qi)")
            for c in 0..<clips {
                let s = m.pooledSimilarity(frameEmbeddings: u[c], text: q)
                #expect(abs(s.score - expectedSimilarity[qi * clips + c]) < 1e-4, "similarity q\(qi) c\(c)")
                let w = Array(expectedWeights[((qi * clips + c) * frames)..<((qi * clips + c + 1) * frames)])
                #expect(f.error(s.frameWeights, w) < 1e-4, "weights q\(qi) c\(c)")
                let pooling = m.pool(encoded[c], question: q)
                let states = m.encodeQuestion(ids: multimodal, memory: m.memory(encoded[c], pooling: pooling)).states
                let logits = try #require(m.itmLogits(questionStates: states))
                #expect(f.error(logits, Array(expectedLogits[((qi * clips + c) * 2)..<((qi * clips + c) * 2 + 2)])) < 1e-4, "itm q\(qi) c\(c)")
                let p = try #require(m.matchProbability(encoded[c], textFeature: q, multimodalIDs: multimodal))
                #expect(abs(p - expectedProbability[qi * clips + c]) < 1e-4, "P(match) q\(qi) c\(c)")
            }
        }
    }

    @Test("ranking: ITC order, the top N re-ordered by P(match), every clip once")
    func ranking() {
        let sims: [Float] = [0.1, 0.9, 0.5, 0.5, -0.2]
        // ITC order: 1, 2, 3 (tie by index), 0, 4. Re-rank the top 3 by P(match).
        let p: [Int: Float] = [1: 0.2, 2: 0.7, 3: 0.9]
        let r = TextVideoRetriever.rank(similarities: sims, rerank: 3) { p[$0] }
        #expect(r.map(\.index) == [3, 2, 1, 0, 4])
        #expect(r.map(\.matchProbability) == [0.9, 0.7, 0.2, nil, nil])
        #expect(TextVideoRetriever.rank(similarities: sims, rerank: 0) { _ in 1 }.map(\.index) == [1, 2, 3, 0, 4])
        #expect(TextVideoRetriever.rank(similarities: sims, rerank: 99) { _ in nil }.map(\.index) == [1, 2, 3, 0, 4])
        #expect(TextVideoRetriever.rank(similarities: [], rerank: 10) { _ in 1 }.isEmpty)
    }

    @Test("the pooled score is the ITC of the best frame when one frame dominates, and weights sum to 1")
    func constructed() {
        // Two frames: one equal to q, one orthogonal; tau small → a ≈ (1, 0), score ≈ 1.
        let q: [Float] = [1, 0, 0]
        let u = Tensor(shape: [2, 3], data: [0, 1, 0, 1, 0, 0])
        let s = LiteVLModel.pooledSimilarity(frameEmbeddings: u, text: q, tau: 0.01)
        #expect(s.bestFrame == 1)
        #expect(abs(s.frameWeights.reduce(0, +) - 1) < 1e-5)
        #expect(s.score > 0.999)
        // A huge tau pools evenly: f = normalize(u0 + u1), score = 1/√2.
        let even = LiteVLModel.pooledSimilarity(frameEmbeddings: u, text: q, tau: 1e6)
        #expect(abs(even.score - Float(1 / 2.0.squareRoot())) < 1e-4)
    }
}
