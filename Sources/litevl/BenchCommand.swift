import ArgumentParser
import Foundation
import LiteVL
import TerminalUI
import VideoDecoding

/// `litevl bench`: per-stage timings in the spirit of llama-bench, with achieved GFLOP/s and the
/// fraction of the machine's sgemm peak measured on the same shapes.
///
/// `scripts/bench-compare.sh` runs it next to `Training/bench_torch.py` (the PyTorch reference on the
/// same weights, frames, question and answer list, written by `--write-model` and `--dump-inputs`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time every stage of answering (decode, ViT, pooling, text encoder, ranking) on this machine.")

    enum Preset: String, ExpressibleByArgument, CaseIterable { case bundled, blipBase = "blip-base" }

    @Option(help: "Model directory (overrides --preset).")
    var model: String?

    @Option(help: "bundled (the shipped tiny model) or blip-base (random weights at BLIP-base size, made in memory-mapped temp storage).")
    var preset: Preset = .bundled

    @Option(help: "Clip to decode (default: the bundled demo clip).")
    var clip: String?

    @Option(parsing: .unconditional, help: "Frames T (default: the model's).")
    var frames: Int?

    @Option(parsing: .unconditional, help: "Input size S for --preset blip-base and --gemm (224 or 384; any multiple of 16 up to 1024).")
    var size: Int = 224

    @Option(parsing: .unconditional, help: "Timed repetitions after one warm-up (with --gemm: at least this many; small products run more).")
    var repetitions: Int = 3

    @Option(parsing: .unconditional, help: "BLAS threads (1 to 64, OpenBLAS's most).")
    var threads: Int = 2

    @Option(help: "Linear layers in f32 or bf16 (bfloat16 weights and activations, float32 accumulation; needs AVX512_BF16).")
    var precision: WeightPrecision = .float32

    @Option(help: "Question asked in every run.")
    var question: String = "which way is the red circle moving?"

    @Option(help: "Write the --preset blip-base model directory (config.json, model.safetensors, vocab.txt, answers.txt with 128 one-word candidates) to DIR and exit; bench it with --model DIR.")
    var writeModel: String?

    @Option(help: "Write the inputs of the first run to DIR (video.safetensors: the normalised frames; inputs.json: token ids, answers, the answer found) for Training/bench_torch.py.")
    var dumpInputs: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Only time the linear layers' products at BLIP-base shapes (T·(1+N) rows for --frames/--size, and 16 rows), f32 against bf16, and exit.")
    var gemm = false

    /// Bad flags end the command before any weights are written or loaded.
    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64 (OpenBLAS's most), not \(threads)") }
        if let frames, !ModelOptions.framesRange.contains(frames) {
            throw ValidationError("--frames must be between \(ModelOptions.framesRange.lowerBound) and \(ModelOptions.framesRange.upperBound), not \(frames)")
        }
        guard (16...1024).contains(size), size % 16 == 0 else {
            throw ValidationError("--size must be a multiple of 16 (BLIP's patch) between 16 and 1024, not \(size)")
        }
        if gemm, model != nil || clip != nil || writeModel != nil || dumpInputs != nil {
            throw ValidationError("--gemm times BLIP-base's products on made-up data; it takes no --model, --clip, --write-model or --dump-inputs")
        }
        if writeModel != nil, preset != .blipBase || model != nil {
            throw ValidationError("--write-model needs --preset blip-base (and no --model)")
        }
    }

    func run() throws {
        do { try bench() } catch let failure {
            printError(failure.message)
            throw ExitCode(failure.code)
        }
    }

    struct Stat { var mean: Double; var std: Double }
    static func stat(_ xs: [Double]) -> Stat {
        let m = xs.reduce(0, +) / Double(max(xs.count, 1))
        let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(xs.count - 1, 1))
        return Stat(mean: m, std: v.squareRoot())
    }

    /// VmRSS and VmHWM (peak) of this process from /proc/self/status, in MiB (nil elsewhere).
    static func memory() -> (rss: Double, peak: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// 128 one-word candidates (vocabulary ids 2000–2127), as BLIP's k = 128 ranking sees.
    static func blipBaseAnswers(_ tokenizer: BertTokenizer) -> [String] {
        (2000..<2128).map { tokenizer.token(for: Int32($0)) }
    }

    /// Writes the BLIP-base preset as a model directory that both this bench and the PyTorch
    /// reference load.
    func writeModelDirectory(_ path: String) throws(CommandFailure) {
        let config = LiteVLConfig.blipBase(imageSize: size, frames: frames ?? 8)
        let dir = URL(fileURLWithPath: path)
        guard let vocab = Assets.directory?.appendingPathComponent("vocab.txt") else {
            throw CommandFailure(message: "bench needs Assets/vocab.txt; set LITEVL_ASSETS")
        }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let params = LiteVLModel.expectedTensors(for: config).reduce(0) { $0 + $1.shape.reduce(1, *) }
            printNote("bench: writing random BLIP-base weights (\(params) parameters, \(size) px) to \(dir.path)")
            try WeightRecipe.random(for: config).write(to: dir.appendingPathComponent("model.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(config).write(to: dir.appendingPathComponent("config.json"))
            let target = dir.appendingPathComponent("vocab.txt")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: vocab, to: target)
            let tokenizer = try BertTokenizer(contentsOf: vocab)
            try (Self.blipBaseAnswers(tokenizer).joined(separator: "\n") + "\n")
                .write(to: dir.appendingPathComponent("answers.txt"), atomically: true, encoding: .utf8)
        } catch let e as CommandFailure { throw e } catch {
            throw CommandFailure(message: "cannot write the BLIP-base bench model to \(dir.path): \(FileProblem.reason(error, path: dir.path)) (choose another folder)")
        }
    }

    func bench() throws(CommandFailure) {
        if let writeModel { return try writeModelDirectory(writeModel) }
        BLAS.setThreads(threads)
        if gemm { return try benchGEMM() }
        var tempDir: URL?
        defer { if let tempDir { try? FileManager.default.removeItem(at: tempDir) } }
        let loadStart = DispatchTime.now()
        let answerer: VideoQuestionAnswerer
        if model == nil && preset == .blipBase {
            // The same directory --write-model writes, in temporary storage, memory-mapped like any model.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-bench-\(UUID().uuidString)")
            tempDir = dir
            try writeModelDirectory(dir.path)
            answerer = try ModelSession(model: dir.path, answers: nil, frames: frames, precision: precision).answerer
        } else {
            answerer = try ModelSession(model: model, answers: nil, frames: frames, precision: precision).answerer
        }
        let loadSeconds = seconds(since: loadStart)
        let memoryAfterLoad = Self.memory()
        let config = answerer.model.config
        let t = frames ?? config.vision.numFrames
        guard let clipPath = clip ?? Assets.defaultClip?.path else { throw CommandFailure(message: "no clip given and no bundled clip found") }
        let sampler = FrameSampler(count: t, size: config.vision.imageSize, normalization: config.normalization)
        var stages: [String: [Double]] = [:]
        var clipTotals: [Double] = [], questionTotals: [Double] = [], encodeTotals: [Double] = []
        var coldFirstAnswer = 0.0
        var answer = ""
        for rep in 0...repetitions {
            let profile = StageProfile()
            let clipStart = DispatchTime.now()
            let sampled: SampledClip
            do { sampled = try sampler.sample(path: clipPath) } catch { throw CommandFailure(message: error.description) }
            let decode = seconds(since: clipStart)
            let s = config.vision.imageSize
            let pixels = sampled.tensor
            let encoded = answerer.model.encode(video: Tensor(shape: [t, 3, s, s], data: pixels), profile: profile)
            let clipTotal = seconds(since: clipStart)
            let qStart = DispatchTime.now()
            var options = VideoQuestionAnswerer.Options()
            options.attentionMaps = false
            options.profile = profile
            let result: VideoQuestionAnswerer.Result
            do { result = try answerer.ask(question, video: encoded, options: options) } catch { throw CommandFailure(message: "\(error)") }
            let qTotal = seconds(since: qStart)
            answer = result.answer
            if rep == 0 {  // warm-up: the first clip after loading, as the app sees it
                coldFirstAnswer = clipTotal + qTotal
                if let dumpInputs { try dump(to: dumpInputs, pixels: pixels, shape: [t, 3, s, s], answerer: answerer, result: result, clip: clipPath) }
                continue
            }
            stages["decode+preprocess", default: []].append(decode)
            for (k, v) in profile.seconds { stages[k, default: []].append(v) }
            clipTotals.append(clipTotal)
            encodeTotals.append(clipTotal - decode)
            questionTotals.append(qTotal)
        }
        let memoryAtEnd = Self.memory()
        // FLOPs of the ViT stages and the sgemm peak on the ViT's main shape.
        let v = config.vision
        let rows = Double(t * (1 + v.patchCount)), d = Double(v.width), p = Double(1 + v.patchCount), depth = Double(v.depth)
        let temporalFlops = v.temporal == .none ? 0 : depth * (2 * rows * d * 3 * d + 2 * rows * d * d + 4 * rows * Double(t) * d)
        let spatialFlops = depth * (2 * rows * d * 3 * d + 2 * rows * d * d + 4 * Double(t) * p * p * d)
        let mlpFlops = depth * 4 * rows * d * Double(v.mlpDim)
        let sgemmPeak = Self.sgemmPeak(m: t * (1 + v.patchCount), k: v.width, n: 3 * v.width)
        let usedPrecision = answerer.model.precision
        let bf16Peak = usedPrecision == .bfloat16 ? Self.bf16Peak(m: t * (1 + v.patchCount), k: v.width, n: 3 * v.width) : nil
        // GFLOP/s of the stages are compared with the peak of the arithmetic they ran in.
        let peak = bf16Peak ?? sgemmPeak
        let flops: [String: Double] = ["vit.temporal": temporalFlops, "vit.spatial": spatialFlops, "vit.mlp": mlpFlops]
        let order = ["decode+preprocess", "vit.embed", "vit.temporal", "vit.spatial", "vit.mlp", "video.cache",
                     "text.feature", "pooling", "text.encoder", "answer.rank", "answer.generate"]
        var rowsOut: [[String: Any]] = []
        for name in order + stages.keys.filter({ !order.contains($0) }).sorted() {
            guard let xs = stages[name] else { continue }
            let st = Self.stat(xs)
            var row: [String: Any] = ["stage": name, "mean_ms": st.mean * 1000, "std_ms": st.std * 1000]
            if let f = flops[name], f > 0 {
                row["gflops"] = f / st.mean / 1e9
                row["peak_fraction"] = f / st.mean / 1e9 / peak
            }
            rowsOut.append(row)
        }
        let vitSeconds = Self.stat(zip(zip(stages["vit.temporal"] ?? Array(repeating: 0, count: repetitions), stages["vit.spatial"] ?? []), stages["vit.mlp"] ?? []).map { $0.0 + $0.1 + $1 })
        let vitFlops = temporalFlops + spatialFlops + mlpFlops
        let clipStat = Self.stat(clipTotals), questionStat = Self.stat(questionTotals), encodeStat = Self.stat(encodeTotals)
        let firstAnswer = Self.stat(zip(clipTotals, questionTotals).map { $0 + $1 })
        var summary: [String: Any] = [
            "impl": "litevl", "model": config.name, "frames": t, "size": config.vision.imageSize, "threads": BLAS.threads,
            "repetitions": repetitions, "clip": clipPath, "question": question, "answer": answer,
            "load_ms": loadSeconds * 1000, "sgemm_peak_gflops": sgemmPeak, "peak_gflops": peak,
            "precision": usedPrecision.shortName, "requested_precision": precision.shortName,
            "build_layers_ms": answerer.model.buildSeconds * 1000,
            "vit_ms": vitSeconds.mean * 1000, "vit_std_ms": vitSeconds.std * 1000,
            "vit_gflops": vitFlops / vitSeconds.mean / 1e9, "vit_peak_fraction": vitFlops / vitSeconds.mean / 1e9 / peak,
            "encode_ms": encodeStat.mean * 1000, "encode_std_ms": encodeStat.std * 1000,
            "per_clip_ms": clipStat.mean * 1000, "per_clip_std_ms": clipStat.std * 1000,
            "per_question_ms": questionStat.mean * 1000, "per_question_std_ms": questionStat.std * 1000,
            "first_answer_ms": firstAnswer.mean * 1000, "cold_first_answer_ms": coldFirstAnswer * 1000,
            "stages": rowsOut, "blas": BLAS.configuration,
        ]
        if let bf16Peak { summary["bf16_peak_gflops"] = bf16Peak }
        if let m = memoryAfterLoad { summary["rss_after_load_mb"] = m.rss }
        if let m = memoryAtEnd { summary["rss_end_mb"] = m.rss; summary["peak_rss_mb"] = m.peak }
        if let weights = answerer.model.weights, let attributes = try? FileManager.default.attributesOfItem(atPath: weights.path),
           let bytes = attributes[.size] as? Int {
            summary["weights_mb"] = Double(bytes) / 1_048_576
        }
        if json {
            print(try jsonText(summary))
            return
        }
        printText("model: \(config.name), \(t) frames at \(config.vision.imageSize)px, \(BLAS.threads) BLAS threads, \(repetitions) runs after a warm-up")
        let shape = "[\(t * (1 + v.patchCount))x\(v.width)]·[\(v.width)x\(3 * v.width)]"
        printText("precision: \(usedPrecision.shortName)" + (usedPrecision == precision ? "" : " (\(precision.shortName) requested; not supported here)"))
        printText("BLAS: \(BLAS.configuration); sgemm peak on \(shape): \(String(format: "%.1f", sgemmPeak)) GFLOP/s"
              + (bf16Peak.map { String(format: "; bf16 GEMM peak: %.1f GFLOP/s (%.2fx), the stages' \"of peak\"", $0, $0 / sgemmPeak) } ?? ""))
        printText(String(format: "load: %.1f ms (layers built in %.1f ms); first answer after opening the clip: %.1f ms cold (the warm-up), %.1f ms warm", loadSeconds * 1000,
                     answerer.model.buildSeconds * 1000, coldFirstAnswer * 1000, firstAnswer.mean * 1000))
        if let a = memoryAfterLoad, let e = memoryAtEnd {
            let w = (summary["weights_mb"] as? Double).map { String(format: ", weights file %.0f MiB", $0) } ?? ""
            printText(String(format: "memory: RSS %.1f MiB after load, %.1f MiB at the end, peak %.1f MiB", a.rss, e.rss, e.peak) + w)
        }
        printText("| stage | ms | ± | GFLOP/s | of peak |")
        printText("|---|---:|---:|---:|---:|")
        for row in rowsOut {
            let g = (row["gflops"] as? Double).map { String(format: "%.1f", $0) } ?? ""
            let f = (row["peak_fraction"] as? Double).map { String(format: "%.0f %%", $0 * 100) } ?? ""
            printText(String(format: "| %@ | %.2f | %.2f | %@ | %@ |", row["stage"] as! String as NSString, row["mean_ms"] as! Double,
                         row["std_ms"] as! Double, g as NSString, f as NSString))
        }
        printText(String(format: "| ViT forward | %.2f | %.2f | %.1f | %.0f %% |", vitSeconds.mean * 1000, vitSeconds.std * 1000,
                     vitFlops / vitSeconds.mean / 1e9, vitFlops / vitSeconds.mean / 1e9 / peak * 100))
        printText(String(format: "| clip encoding (frames → cached features) | %.2f | %.2f | | |", encodeStat.mean * 1000, encodeStat.std * 1000))
        printText(String(format: "| total per clip | %.2f | %.2f | | |", clipStat.mean * 1000, clipStat.std * 1000))
        printText(String(format: "| per question | %.2f | %.2f | | |", questionStat.mean * 1000, questionStat.std * 1000))
        printText("answer: \(answer)")
    }

    /// Writes the frames and token ids of one run for `Training/bench_torch.py`.
    func dump(to path: String, pixels: [Float], shape: [Int], answerer: VideoQuestionAnswerer,
              result: VideoQuestionAnswerer.Result, clip: String) throws(CommandFailure) {
        let dir = URL(fileURLWithPath: path)
        let ids = answerer.tokenizer.questionIDs(question, maxLength: answerer.model.config.maxQuestionTokens)
        let inputs: [String: Any] = [
            "clip": clip, "question": question,
            "text_ids": ids.textOnly,
            "question_ids": ids.multimodal,
            "answers": answerer.answers, "answer_ids": answerer.answerIDs,
            "answer": result.answer, "candidates": result.candidates.prefix(5).map { ["answer": $0.answer, "score": $0.score] },
            "temporal_weights": result.temporalWeights ?? [],
        ]
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try SafeTensorsFile.write(["video": Tensor(shape: shape, data: pixels)], to: dir.appendingPathComponent("video.safetensors"))
            try JSONSerialization.data(withJSONObject: inputs, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                .write(to: dir.appendingPathComponent("inputs.json"))
        } catch {
            throw CommandFailure(message: "cannot write the bench inputs to \(dir.path): \(FileProblem.reason(error, path: dir.appendingPathComponent("inputs.json").path)) (choose another folder with --dump-inputs)")
        }
    }

    /// `--gemm`: the products of BLIP-base's linear layers through ``Linear`` in float32 (sgemm,
    /// sliced for few rows) and in bfloat16, alternated in the same loop so both see the same load.
    func benchGEMM() throws(CommandFailure) {
        guard BF16.isSupported else { throw CommandFailure(message: "--gemm compares against bf16, which this CPU lacks (or LITEVL_NO_BF16 is set)") }
        let config = LiteVLConfig.blipBase(imageSize: size, frames: frames ?? 8)
        let m = (frames ?? 8) * (1 + config.vision.patchCount), d = config.vision.width, h = config.vision.mlpDim
        let shapes = [(m, d, 3 * d), (m, d, d), (m, d, h), (m, h, d), (16, d, d), (16, d, h), (16, h, d), (2, d, d)]
        var rows: [[String: Any]] = []
        for (rowsM, k, n) in shapes {
            let x = (0..<(rowsM * k)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
            let w = (0..<(n * k)).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 }
            var y = [Float](repeating: 0, count: rowsM * n)
            let flops = 2 * Double(rowsM) * Double(k) * Double(n)
            let reps = max(repetitions, Int(min(200, 2e10 / flops)))
            var best = (f32: Double.infinity, bf16: Double.infinity), total = (f32: 0.0, bf16: 0.0)
            w.withUnsafeBufferPointer { wp in
                let f32 = Linear(weight: WeightTensor(shape: [n, k], pointer: wp.baseAddress!), bias: nil)
                let packStart = DispatchTime.now()
                let bf16 = f32.packedBF16()
                let packSeconds = seconds(since: packStart)
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                    for rep in 0...reps {
                        for linear in [f32, bf16] {
                            let start = DispatchTime.now()
                            linear.apply(xp.baseAddress!, rows: rowsM, into: yp.baseAddress!)
                            let t = seconds(since: start)
                            guard rep > 0 else { continue }
                            if linear.packed == nil { best.f32 = min(best.f32, t); total.f32 += t } else { best.bf16 = min(best.bf16, t); total.bf16 += t }
                        }
                    }
                } }
                rows.append(["m": rowsM, "k": k, "n": n, "runs": reps, "pack_ms": packSeconds * 1000,
                             "f32_best_gflops": flops / best.f32 / 1e9, "bf16_best_gflops": flops / best.bf16 / 1e9,
                             "f32_mean_gflops": flops * Double(reps) / total.f32 / 1e9, "bf16_mean_gflops": flops * Double(reps) / total.bf16 / 1e9])
            }
        }
        if json {
            let object: [String: Any] = ["threads": BLAS.threads, "blas": BLAS.configuration, "shapes": rows]
            print(try jsonText(object))
            return
        }
        printText("Linear products, \(BLAS.threads) threads, f32 (sgemm; few rows sliced) vs bf16, alternated; GFLOP/s best (mean) of the runs")
        printText("| [M×K]·[K×N] | runs | f32 | bf16 | bf16/f32 best (mean) | packing ms |")
        printText("|---|---:|---:|---:|---:|---:|")
        for r in rows {
            let fb = r["f32_best_gflops"] as! Double, bb = r["bf16_best_gflops"] as! Double
            let fm = r["f32_mean_gflops"] as! Double, bm = r["bf16_mean_gflops"] as! Double
            printText(String(format: "| [%d×%d]·[%d×%d] | %d | %.1f (%.1f) | %.1f (%.1f) | %.2f× (%.2f×) | %.1f |", r["m"] as! Int, r["k"] as! Int,
                         r["k"] as! Int, r["n"] as! Int, r["runs"] as! Int, fb, fm, bb, bm, bb / fb, bm / fm, r["pack_ms"] as! Double))
        }
    }

    /// The best bfloat16 GEMM rate (``BF16/gemm(_:rows:ldx:weight:bias:columns:into:ldo:)``, packing of the
    /// rows included, weight packed beforehand) over a few runs of an M×K by K×N product, in GFLOP/s.
    static func bf16Peak(m: Int, k: Int, n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: m * k), w = [Float](repeating: 0.25, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        let packed = w.withUnsafeBufferPointer { BF16.PackedWeight($0.baseAddress!, outFeatures: n, inFeatures: k) }
        var best = 0.0
        for _ in 0..<5 {
            let start = DispatchTime.now()
            a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                BF16.gemm(ap.baseAddress!, rows: m, ldx: k, weight: packed, bias: nil, into: cp.baseAddress!, ldo: n)
            } }
            best = max(best, 2 * Double(m) * Double(k) * Double(n) / seconds(since: start) / 1e9)
        }
        return best
    }

    /// The best sgemm rate over a few runs of an M×K by K×N product, in GFLOP/s.
    static func sgemmPeak(m: Int, k: Int, n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = 0.0
        for _ in 0..<5 {
            let start = DispatchTime.now()
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, transposeB: false, c: cp.baseAddress!, ldc: n)
            } } }
            best = max(best, 2 * Double(m) * Double(k) * Double(n) / seconds(since: start) / 1e9)
        }
        return best
    }
}
