import Foundation
import TerminalUI
import VideoDecoding

/// Writes what the app's `e` key exports: `transcript.md` (for people and slides), `transcript.json`
/// (for programs), `frames/frame-NN.png` (the sampled frames) and `attention/qNN-frame-MM.png` (frames
/// with the cross-attention map of a question blended on top, the same colormap as in the app).
///
/// Attention images: every frame for the last answered question about the shown clip, and the most
/// relevant frame (highest pooling weight) for each earlier one. PNGs come from FFmpeg's PNG encoder
/// (`PNGEncoder`, VideoDecoding).
///
/// Errors are ``ExportError``: one line naming the file or folder and what to do.
struct SessionExporter {
    let session: SessionSnapshot

    func write(to directory: URL) throws(ExportError) -> ExportSummary {
        let fm = FileManager.default
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ExportError(path: directory.path, reason: FileProblem.reason(error, path: directory.path), creating: true)
        }
        var files: [String] = []
        func save(_ bytes: [UInt8], _ name: String) throws(ExportError) {
            let url = directory.appendingPathComponent(name)
            do {
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            } catch {
                throw ExportError(path: url.path, reason: FileProblem.reason(error, path: url.path), creating: false)
            }
            files.append(name)
        }
        func png(_ image: VideoDecoding.RGBImage, _ text: [(key: String, value: String)], _ name: String) throws(ExportError) {
            let bytes: [UInt8]
            do { bytes = try PNGEncoder.encode(image, text: text) } catch {
                throw ExportError(path: directory.appendingPathComponent(name).path, reason: error.message, creating: false)
            }
            try save(bytes, name)
        }

        // Frames.
        var frameFiles: [String] = []
        for (i, f) in session.frames.enumerated() {
            let name = String(format: "frames/frame-%02d.png", i + 1)
            try png(Self.image(f.image), [("Timestamp", String(format: "%.3f", f.timestamp))], name)
            frameFiles.append(name)
        }

        // Attention overlays.
        let shown = session.entries.indices.filter { session.entries[$0].aboutShownClip && session.entries[$0].result != nil }
        var attentionFiles: [Int: [(frame: Int, file: String)]] = [:]
        for q in shown {
            guard let r = session.entries[q].result, r.attention.layerCount > 0 else { continue }
            let layer = min(max(session.attentionLayer ?? r.attention.layerCount - 1, 0), r.attention.layerCount - 1)
            let frames: [Int]
            if q == shown.last {
                frames = Array(session.frames.indices)
            } else if let best = r.evidenceOrder.first {
                frames = [best]
            } else {
                frames = [0]
            }
            for fi in frames where fi < session.frames.count {
                guard let map = r.attention.map(layer: layer, frame: fi) else { continue }
                let img = Self.overlay(session.frames[fi].image, map: map, gridWidth: r.attention.gridWidth, gridHeight: r.attention.gridHeight)
                let name = String(format: "attention/q%02d-frame-%02d.png", q + 1, fi + 1)
                try png(img, [("Question", session.entries[q].question), ("Layer", "\(layer + 1)")], name)
                attentionFiles[q, default: []].append((fi, name))
            }
        }

        try save(Array(markdown(frameFiles: frameFiles, attentionFiles: attentionFiles).utf8), "transcript.md")
        let transcript: Data
        do { transcript = try json(attentionFiles: attentionFiles) } catch {
            throw ExportError(path: directory.appendingPathComponent("transcript.json").path, reason: "\(error)", creating: false)
        }
        try save(Array(transcript), "transcript.json")
        return ExportSummary(directory: directory, files: files)
    }

    // MARK: Markdown

    func markdown(frameFiles: [String], attentionFiles: [Int: [(frame: Int, file: String)]]) -> String {
        var md = "# litevl session\n\n"
        let date = ISO8601DateFormatter().string(from: session.createdAt)
        if let c = session.clip {
            md += "- clip: `\(c.name)` — \(String(format: "%.1f", c.durationSeconds)) s, \(c.width)x\(c.height), \(c.codec), T=\(c.frameCount) sampled frames\n"
        }
        md += "- model: \(session.modelName)\n- exported: \(date)\n"
        if let l = session.attentionLayer { md += "- attention maps: text-encoder cross-attention, layer \(l + 1)\n" }
        md += "\n"
        if !session.frames.isEmpty {
            md += "## Sampled frames\n\n"
            md += "| " + session.frames.indices.map { "\($0 + 1)" }.joined(separator: " | ") + " |\n"
            md += "|" + String(repeating: "---|", count: session.frames.count) + "\n"
            md += "| " + frameFiles.map { "![](\($0))" }.joined(separator: " | ") + " |\n"
            md += "| " + session.frames.map { String(format: "%.2f s", $0.timestamp) }.joined(separator: " | ") + " |\n\n"
        }
        if !session.layerScales.isEmpty {
            md += "## Temporal scaling s_l per ViT layer\n\n| layer | s_l |\n|---|---|\n"
            for (i, v) in session.layerScales.enumerated() { md += "| \(i + 1) | \(String(format: "%+.3f", v)) |\n" }
            md += "\n"
        }
        md += "## Questions\n\n"
        if session.entries.isEmpty { md += "(none)\n" }
        for (i, e) in session.entries.enumerated() {
            md += "### \(i + 1). \(Self.escape(e.question))\n\n"
            if let clip = e.clip, clip != session.clip?.name { md += "_about `\(clip)`_\n\n" }
            if let r = e.result {
                md += "**\(Self.escape(r.answer))** (\(String(format: "%.1f", Double(r.candidates.first?.confidence ?? 0) * 100)) %, \(String(format: "%.2f", r.seconds)) s)\n\n"
                if !r.candidates.isEmpty {
                    md += "| candidate | confidence |\n|---|---|\n"
                    for c in r.candidates { md += "| \(Self.escape(c.text)) | \(String(format: "%.1f", Double(c.confidence) * 100)) % |\n" }
                    md += "\n"
                }
                if !r.temporalWeights.isEmpty {
                    md += "Pooling weight per frame: " + r.temporalWeights.map { String(format: "%.0f%%", Double($0) * 100) }.joined(separator: " · ") + "\n\n"
                }
                if let imgs = attentionFiles[i] {
                    for a in imgs { md += "![frame \(a.frame + 1) with attention](\(a.file)) " }
                    md += "\n\n"
                }
            } else {
                md += "_\(Self.escape(e.error ?? "no answer"))_\n\n"
            }
            if let b = e.baseline {
                let who = Self.escape(session.baselineName ?? "baseline")
                switch b {
                case .answered(let r):
                    let disagree = e.result.map { $0.answer != r.answer } ?? false
                    md += "Baseline (\(who)): **\(Self.escape(r.answer))** (\(String(format: "%.1f", Double(r.candidates.first?.confidence ?? 0) * 100)) %)"
                        + (disagree ? " — the models disagree" : "") + "\n\n"
                case .failed(let m): md += "Baseline (\(who)): _\(Self.escape(m))_\n\n"
                case .pending: md += "Baseline (\(who)): _not answered yet_\n\n"
                }
            }
        }
        return md
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    // MARK: JSON

    struct JSONTranscript: Encodable {
        struct Clip: Encodable { var name: String; var path: String; var duration: Double; var width: Int; var height: Int; var codec: String; var frames: Int }
        struct Frame: Encodable { var index: Int; var timestamp: Double; var file: String }
        struct Candidate: Encodable { var answer: String; var confidence: Float }
        struct Entry: Encodable {
            var question: String
            var clip: String?
            var answer: String?
            var confidence: Float?
            var seconds: Double?
            var candidates: [Candidate]?
            var temporalWeights: [Float]?
            var error: String?
            var attentionImages: [String]?
            var baseline: Baseline?
        }
        /// Compare mode's second answer.
        struct Baseline: Encodable { var model: String?; var answer: String?; var confidence: Float?; var candidates: [Candidate]?; var error: String? }
        var exported: String
        var model: String
        var clip: Clip?
        var frames: [Frame]
        var layerScales: [Float]
        var attentionLayer: Int?
        var questions: [Entry]
    }

    func json(attentionFiles: [Int: [(frame: Int, file: String)]]) throws -> Data {
        let t = JSONTranscript(
            exported: ISO8601DateFormatter().string(from: session.createdAt), model: session.modelName,
            clip: session.clip.map { .init(name: $0.name, path: $0.path, duration: $0.durationSeconds, width: $0.width,
                                           height: $0.height, codec: $0.codec, frames: $0.frameCount) },
            frames: session.frames.enumerated().map { .init(index: $0.offset + 1, timestamp: $0.element.timestamp,
                                                            file: String(format: "frames/frame-%02d.png", $0.offset + 1)) },
            layerScales: session.layerScales, attentionLayer: session.attentionLayer.map { $0 + 1 },
            questions: session.entries.enumerated().map { i, e in
                .init(question: e.question, clip: e.clip, answer: e.result?.answer, confidence: e.result?.candidates.first?.confidence,
                      seconds: e.result?.seconds, candidates: e.result?.candidates.map { .init(answer: $0.text, confidence: $0.confidence) },
                      temporalWeights: e.result?.temporalWeights, error: e.error,
                      attentionImages: attentionFiles[i]?.map(\.file), baseline: e.baseline.map { b in
                          switch b {
                          case .answered(let r):
                              return .init(model: session.baselineName, answer: r.answer, confidence: r.candidates.first?.confidence,
                                           candidates: r.candidates.map { .init(answer: $0.text, confidence: $0.confidence) }, error: nil)
                          case .failed(let m): return .init(model: session.baselineName, answer: nil, confidence: nil, candidates: nil, error: m)
                          case .pending: return .init(model: session.baselineName, answer: nil, confidence: nil, candidates: nil, error: "not answered yet")
                          }
                      })
            })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(t)
    }

    // MARK: Pictures

    static func image(_ i: TerminalUI.RGBImage) -> VideoDecoding.RGBImage {
        VideoDecoding.RGBImage(width: i.width, height: i.height, pixels: i.pixels)
    }

    /// The picture with the map (normalised to [0, 1] by min/max, bilinearly upsampled) blended on top as in
    /// the app: low attention darkens a little, high attention glows in the inferno-like colormap.
    static func overlay(_ img: TerminalUI.RGBImage, map: [Float], gridWidth gw: Int, gridHeight gh: Int) -> VideoDecoding.RGBImage {
        let w = img.width, h = img.height
        guard w > 0, h > 0, gw > 0, gh > 0, map.count == gw * gh else { return image(img) }
        let heat = ThumbnailRenderer.resampleHeat(map, gw: gw, gh: gh, width: w, height: h)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let v = heat[y * w + x]
                let o = ThumbnailRenderer.blend(img.pixel(x: x, y: y), v)
                let i = (y * w + x) * 3
                out[i] = o.r; out[i + 1] = o.g; out[i + 2] = o.b
            }
        }
        return VideoDecoding.RGBImage(width: w, height: h, pixels: out)
    }
}

/// An export that could not be written: which file or folder, why, and what to do.
struct ExportError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    /// True when the export folder itself could not be created.
    var creating: Bool
    var description: String {
        creating
            ? "cannot create \(path): \(reason); choose a writable folder with --export-dir DIR"
            : "cannot write \(path): \(reason); check the folder's permissions and free space"
    }
}
