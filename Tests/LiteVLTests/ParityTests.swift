import Foundation
import Testing
@testable import LiteVL

/// The Swift engine against the PyTorch reference, tensor by tensor and answer by answer.
@Suite("Parity with the PyTorch reference")
struct ParityTests {
    @Test("video encoder: embeddings, blocks, features, s_l", arguments: ParityFixture.cases)
    func vision(_ name: String) throws {
        let f = try ParityFixture(name)
        let video = try f.tensor("video")
        let x0 = f.model.vision.embed(video)
        #expect(f.error(x0.data, try f.tensor("vit_x0").data) < f.tolerance, "vit_x0")
        var block0: Tensor?
        let encoded = f.model.encode(video: video) { l, x in if l == 0 { block0 = x } }
        #expect(f.error(block0!.data, try f.tensor("vit_block0").data) < f.tolerance, "vit_block0")
        #expect(f.error(encoded.features.data, try f.tensor("vit_out").data) < f.tolerance, "vit_out")
        if f.config.vision.temporal == .none {
            #expect(encoded.scales.isEmpty)
        } else {
            let s = try f.tensor("s").data
            #expect(f.error(encoded.scales, s) < f.tolerance, "s_l")
            if f.config.vision.temporal == .dynamic { #expect(s.allSatisfy { abs($0) > 0.05 && abs($0) < 0.95 }) }
        }
        #expect(f.error(f.model.videoFeature(encoded), try f.tensor("video_feature").data) < f.tolerance, "video_feature")
    }

    @Test("text encoder, pooling, memory, question states, heads", arguments: ParityFixture.cases)
    func text(_ name: String) throws {
        let f = try ParityFixture(name)
        let m = f.model
        let encoded = m.encode(video: try f.tensor("video"))
        let length = f.outputs.entries["question_ids"]!.shape[1]
        for q in 0..<2 {
            let qIDs = try f.ints("question_ids")[(q * length)..<((q + 1) * length)].map { $0 }
            let qMask = try f.ints("question_mask")[(q * length)..<((q + 1) * length)].map { $0 }
            let qEnc = try f.ints("question_ids_enc")[(q * length)..<((q + 1) * length)].map { $0 }
            let embeddings = m.textEncoder.embed(qIDs)
            #expect(f.error(embeddings.data, ParityFixture.slice(try f.tensor("text_embeddings"), q).data) < f.tolerance, "text_embeddings q\(q)")
            let hidden = m.textEncoder.forward(ids: qIDs, mask: qMask).hidden
            #expect(f.error(hidden.data, ParityFixture.slice(try f.tensor("text_hidden"), q).data) < f.tolerance, "text_hidden q\(q)")
            let feature = m.textFeature(ids: qIDs, mask: qMask)
            #expect(f.error(feature, ParityFixture.slice(try f.tensor("q"), q).data) < f.tolerance, "q q\(q)")
            #expect(f.error([m.itcSimilarity(encoded, text: feature)], [try f.tensor("itc_similarity").data[q]]) < f.tolerance, "itc q\(q)")

            let pooling = f.config.pooling.enabled ? m.pool(encoded, question: feature) : nil
            if let pooling {
                #expect(f.error(pooling.temporalWeights, ParityFixture.slice(try f.tensor("temporal_weights"), q).data) < f.tolerance, "a_t q\(q)")
                #expect(f.error(pooling.spatialWeights, ParityFixture.slice(try f.tensor("spatial_weights"), q).data) < f.tolerance, "b_j q\(q)")
            }
            let memoryRows = encoded.features.data + (pooling?.memoryRows(of: encoded.features).data ?? [])
            #expect(f.error(memoryRows, ParityFixture.slice(try f.tensor("memory"), q).data) < f.tolerance, "memory q\(q)")

            let (states, cross) = m.encodeQuestion(ids: qEnc, mask: qMask, memory: m.memory(encoded, pooling: pooling), recordCrossAttention: true)
            #expect(f.error(states.data, ParityFixture.slice(try f.tensor("question_states"), q).data) < f.tolerance, "question_states q\(q)")
            #expect(f.error(cross.last!.data, ParityFixture.slice(try f.tensor("cross_attn_last"), q).data) < f.tolerance, "cross_attn_last q\(q)")
            #expect(f.error(m.itmLogits(questionStates: states)!, ParityFixture.slice(try f.tensor("itm_logits"), q).data) < f.tolerance, "itm q\(q)")
        }
    }

    @Test("answer decoder: logits, rank_answer, greedy and beam search", arguments: ParityFixture.cases)
    func decoder(_ name: String) throws {
        let f = try ParityFixture(name)
        let m = f.model
        let encoded = m.encode(video: try f.tensor("video"))
        let length = f.outputs.entries["question_ids"]!.shape[1]
        let answers = f.answers
        for q in 0..<2 {
            let qIDs = try f.ints("question_ids")[(q * length)..<((q + 1) * length)].map { $0 }
            let qMask = try f.ints("question_mask")[(q * length)..<((q + 1) * length)].map { $0 }
            let qEnc = try f.ints("question_ids_enc")[(q * length)..<((q + 1) * length)].map { $0 }
            let pooling = f.config.pooling.enabled ? m.pool(encoded, question: m.textFeature(ids: qIDs, mask: qMask)) : nil
            let states = m.encodeQuestion(ids: qEnc, mask: qMask, memory: m.memory(encoded, pooling: pooling)).states
            let memory = m.decoder.memory(questionStates: states, mask: qMask)

            let first = m.decoder.logits(ids: [f.config.specialTokens.dec], memory: memory, positions: [0])
            #expect(f.error(first.data, ParityFixture.slice(try f.tensor("decoder_first_logits"), q).data) < f.tolerance, "first logits q\(q)")
            let answer0 = m.decoder.logits(ids: answers[0], memory: memory, positions: Array(answers[0].indices))
            #expect(f.error(answer0.data, ParityFixture.slice(try f.tensor("answer0_logits"), q).data) < f.tolerance, "answer0 logits q\(q)")

            let expected = f.questions[q]
            let rank = expected["rank"] as! [String: Any]
            let scores = (rank["scores"] as! [NSNumber]).map(\.doubleValue)
            for (c, ids) in answers.enumerated() {
                let s = m.decoder.score(candidate: ids, memory: memory)
                #expect(abs(s - scores[c]) < Double(f.tolerance) * max(1, abs(scores[c])) * 10, "rank score q\(q) c\(c): \(s) vs \(scores[c])")
            }
            for key in ["k_all", "k_3"] {
                let info = rank[key] as! [String: Any]
                let k = (info["k"] as! NSNumber).intValue
                let ranked = m.decoder.rank(candidates: answers, memory: memory, k: k)
                let topk = (info["topk"] as! [NSNumber]).map(\.intValue)
                #expect(Set(ranked.map(\.index)) == Set(topk), "top-\(k) set q\(q)")
                #expect(ranked.first?.index == (info["best"] as! NSNumber).intValue, "best of top-\(k) q\(q)")
                for r in ranked {
                    #expect(abs(r.score - scores[r.index]) < Double(f.tolerance) * max(1, abs(scores[r.index])) * 10, "packed rank score q\(q) c\(r.index)")
                }
            }
            for (key, beams) in [("greedy", 1), ("beam", 3)] {
                let info = expected[key] as! [String: Any]
                let generation = m.decoder.generate(memory: memory, beams: beams)
                #expect(generation.ids == (info["ids"] as! [NSNumber]).map(\.intValue), "\(key) ids q\(q)")
                #expect(generation.finished == (info["finished"] as! Bool), "\(key) finished q\(q)")
                #expect(abs(generation.score - (info["score"] as! NSNumber).doubleValue) < 1e-3, "\(key) score q\(q)")
            }
        }
    }

    @Test("a model.safetensors written by the safetensors package loads and equals its recipe")
    func realSafetensorsFile() throws {
        let dir = ParityFixture.directory.appendingPathComponent("tiny_dynamic")
        let file = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        let recipe = try WeightRecipe.load(from: dir.appendingPathComponent("recipe.json"))
        #expect(file.entries.count == recipe.entries.count)
        for e in recipe.entries {
            let stored = try file.floats(e.name)
            #expect(stored.shape == e.shape, "\(e.name)")
            #expect(Array(stored.buffer) == WeightRecipe.materialize(e).data, "\(e.name)")
        }
        let config = try LiteVLConfig.load(from: dir.appendingPathComponent("config.json"))
        _ = try LiteVLModel(config: config, weights: file)
    }

    @Test("the recipe generator gives docs/model.md's sample values")
    func recipeSamples() {
        let e = WeightRecipe.Entry(name: "x", shape: [5], seed: 1, scale: 1, offset: 0)
        #expect(WeightRecipe.materialize(e).data.map(\.bitPattern) == [0x3e08_5168, 0x3efb_ae34, 0x3f71_2744, 0xbde3_e7a0, 0xbde4_4ac0])
        let f = WeightRecipe.Entry(name: "y", shape: [3], seed: UInt64.max, scale: 0.1, offset: 1)
        #expect(WeightRecipe.materialize(f).data.map(\.bitPattern) == [0x3f8a_15be, 0x3f8a_8fff, 0x3f71_a332])
    }
}
