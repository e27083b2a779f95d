import Foundation

/// One ViT block with LiteVL's temporal branch: temporal attention scaled by s_l, then BLIP's
/// spatial attention and MLP, all pre-norm (docs/model.md, "Vision").
public struct VisionBlock: Sendable {
    public struct Temporal: Sendable {
        public let norm: LayerNorm
        public let qkv: Linear
        public let proj: Linear
        /// Linear D → 1 giving s_l = tanh(w · c + b); nil for the fixed-scale variant (s_l = 1).
        public let scaling: Linear?
    }

    public let norm1: LayerNorm
    public let qkv: Linear
    public let proj: Linear
    public let norm2: LayerNorm
    public let fc1: Linear
    public let fc2: Linear
    public let temporal: Temporal?

    init(loader: WeightLoader, prefix p: String, config c: LiteVLConfig.Vision) throws(ModelError) {
        let d = c.width
        norm1 = try loader.layerNorm(p + ".norm1", width: d, eps: c.eps)
        qkv = try loader.linear(p + ".attn.qkv", in: d, out: 3 * d)
        proj = try loader.linear(p + ".attn.proj", in: d, out: d)
        norm2 = try loader.layerNorm(p + ".norm2", width: d, eps: c.eps)
        fc1 = try loader.linear(p + ".mlp.fc1", in: d, out: c.mlpDim)
        fc2 = try loader.linear(p + ".mlp.fc2", in: c.mlpDim, out: d)
        switch c.temporal {
        case .none:
            temporal = nil
        case .fixed, .dynamic:
            temporal = Temporal(
                norm: try loader.layerNorm(p + ".temporal_norm", width: d, eps: c.eps),
                qkv: try loader.linear(p + ".temporal_attn.qkv", in: d, out: 3 * d),
                proj: try loader.linear(p + ".temporal_attn.proj", in: d, out: d),
                scaling: c.temporal == .dynamic ? try loader.linear(p + ".temporal_scaling", in: d, out: 1) : nil)
        }
    }

    /// s_l for the video `x` ([frames, positions, width]): tanh of the scaling layer applied to the
    /// mean over frames of the class tokens entering the block; 1 for fixed scaling.
    func scale(_ x: UnsafePointer<Float>, frames: Int, positions: Int, width: Int) -> Float {
        guard let scaling = temporal?.scaling else { return 1 }
        var c = [Float](repeating: 0, count: width)
        for t in 0..<frames {
            let cls = x + t * positions * width
            for i in 0..<width { c[i] += cls[i] }
        }
        let inv = 1 / Float(frames)
        var s = scaling.bias!.pointer[0]
        for i in 0..<width { s += scaling.weight.pointer[i] * (c[i] * inv) }
        return tanhf(s)
    }

    /// Runs the block in place on `x` ([frames, positions, width]) and returns s_l (nil when the
    /// block has no temporal branch).
    func forward(_ x: UnsafeMutablePointer<Float>, frames: Int, positions: Int, width: Int, heads: Int,
                 scratch s: inout BlockScratch, profile: StageProfile? = nil) -> Float? {
        let rows = frames * positions
        var applied: Float?
        var mark = profile?.now()
        if let temporal {
            let sl = scale(UnsafePointer(x), frames: frames, positions: positions, width: width)
            applied = sl
            Kernels.layerNorm(x, into: s.normed, rows: rows, cols: width,
                              gamma: temporal.norm.weight.pointer, beta: temporal.norm.bias.pointer, eps: temporal.norm.eps)
            temporal.qkv.apply(s.normed, rows: rows, into: s.qkv)
            Attention.temporal(qkv: s.qkv, frames: frames, positions: positions, width: width, heads: heads, out: s.attended)
            temporal.proj.apply(s.attended, rows: rows, into: s.normed)
            Kernels.axpy(x, s.normed, count: rows * width, scale: sl)
            if let profile { mark = profile.record("vit.temporal", since: mark!) }
        }
        // Spatial attention, frame by frame.
        Kernels.layerNorm(x, into: s.normed, rows: rows, cols: width, gamma: norm1.weight.pointer, beta: norm1.bias.pointer, eps: norm1.eps)
        qkv.apply(s.normed, rows: rows, into: s.qkv)
        let headDim = width / heads
        if qkv.packed != nil {
            // bfloat16 model: every (frame, head) on one core, all of them in parallel.
            Attention.groupedBF16(qkv: s.qkv, groups: frames, length: positions, width: width, heads: heads, out: s.attended)
        } else {
            for t in 0..<frames {
                let q = s.qkv + t * positions * 3 * width
                Attention.multiHead(q: q, ldq: 3 * width, k: q + width, ldk: 3 * width, v: q + 2 * width, ldv: 3 * width,
                                    lq: positions, lk: positions, heads: heads, headDim: headDim,
                                    out: s.attended + t * positions * width, ldo: width, scores: s.scores)
            }
        }
        proj.apply(s.attended, rows: rows, into: s.normed)
        Kernels.axpy(x, s.normed, count: rows * width)
        if let profile { mark = profile.record("vit.spatial", since: mark!) }
        // MLP.
        Kernels.layerNorm(x, into: s.normed, rows: rows, cols: width, gamma: norm2.weight.pointer, beta: norm2.bias.pointer, eps: norm2.eps)
        fc1.apply(s.normed, rows: rows, into: s.hidden)
        Kernels.gelu(s.hidden, count: rows * fc1.outFeatures)
        fc2.apply(s.hidden, rows: rows, into: s.normed)
        Kernels.axpy(x, s.normed, count: rows * width)
        if let profile { _ = profile.record("vit.mlp", since: mark!) }
        return applied
    }
}

/// Working memory for the blocks of one forward pass, allocated once per clip.
struct BlockScratch {
    let normed: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>
    let attended: UnsafeMutablePointer<Float>
    let hidden: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>

    init(rows: Int, width: Int, mlp: Int, positions: Int) {
        normed = .allocate(capacity: rows * width)
        qkv = .allocate(capacity: rows * 3 * width)
        attended = .allocate(capacity: rows * width)
        hidden = .allocate(capacity: rows * mlp)
        scores = .allocate(capacity: positions * positions)
    }

    func deallocate() {
        normed.deallocate(); qkv.deallocate(); attended.deallocate(); hidden.deallocate(); scores.deallocate()
    }
}

/// BLIP's ViT turned into LiteVL's video encoder (docs/model.md, "Vision").
public struct VisionTransformer: Sendable {
    public let config: LiteVLConfig.Vision
    public let patchWeight: WeightTensor
    public let patchBias: WeightTensor
    /// The optional convolutional stem: (weight [C_out, C_in, 3, 3], bias [C_out]) per layer.
    public let stem: [(weight: WeightTensor, bias: WeightTensor)]
    public let clsToken: WeightTensor
    public let posEmbed: WeightTensor
    public let temporalEmbed: WeightTensor?
    public let blocks: [VisionBlock]
    public let norm: LayerNorm

    init(loader: WeightLoader, config c: LiteVLConfig.Vision) throws(ModelError) {
        config = c
        let p = "visual_encoder"
        let d = c.width
        var stem: [(weight: WeightTensor, bias: WeightTensor)] = []
        var channels = 3
        for (i, out) in c.stemChannels.enumerated() {
            stem.append((try loader.tensor("\(p).stem.\(i).weight", [out, channels, 3, 3]), try loader.tensor("\(p).stem.\(i).bias", [out])))
            channels = out
        }
        self.stem = stem
        patchWeight = try loader.tensor(p + ".patch_embed.proj.weight", [d, channels, c.patchKernel, c.patchKernel])
        patchBias = try loader.tensor(p + ".patch_embed.proj.bias", [d])
        clsToken = try loader.tensor(p + ".cls_token", [1, 1, d])
        posEmbed = try loader.tensor(p + ".pos_embed", [1, 1 + c.patchCount, d])
        temporalEmbed = c.temporal == .none ? nil : try loader.tensor(p + ".temporal_embed", [1, c.numFrames, d])
        var blocks: [VisionBlock] = []
        for l in 0..<c.depth { blocks.append(try VisionBlock(loader: loader, prefix: "\(p).blocks.\(l)", config: c)) }
        self.blocks = blocks
        norm = try loader.layerNorm(p + ".norm", width: d, eps: c.eps)
    }

    /// The output of a forward pass.
    public struct Output: Sendable {
        /// Video features V: `[frames, 1 + N, width]`, after the final LayerNorm.
        public var features: Tensor
        /// s_l per layer (empty when the model has no temporal branch).
        public var scales: [Float]
    }

    /// The temporal position embedding for `frames` frames, resampled linearly along time when
    /// the clip has a different number of frames than the model was trained with.
    public func temporalEmbedding(frames: Int) -> Tensor? {
        guard let te = temporalEmbed else { return nil }
        let f = config.numFrames, d = config.width
        var out = Tensor(zeros: [frames, d])
        for t in 0..<frames {
            // PyTorch's F.interpolate(mode="linear", align_corners=False).
            var src = (Float(t) + 0.5) * Float(f) / Float(frames) - 0.5
            if src < 0 { src = 0 }
            let i0 = min(Int(src), f - 1)
            let i1 = i0 < f - 1 ? i0 + 1 : i0
            let l1 = src - Float(i0), l0 = 1 - l1
            for i in 0..<d {
                out.data[t * d + i] = l0 * te.pointer[i0 * d + i] + l1 * te.pointer[i1 * d + i]
            }
        }
        return out
    }

    /// The stem applied to one frame `[3, S, S]`: each layer a 3×3 convolution (stride 1 or 2, zero
    /// padding 1, bias) and GELU, as one matrix product over im2col columns. Returns
    /// `[C_last, S', S']` with `S' = config.stemOutputSize`.
    func applyStem(_ frame: [Float]) -> [Float] {
        var s = config.imageSize
        var z = frame
        var channels = 3
        for (layer, stride) in zip(stem, config.strides) {
            let out = layer.weight.shape[0], k = channels * 9
            let so = (s - 1) / stride + 1            // output side: floor((s + 2·1 − 3) / stride) + 1
            // columns[(c, dy, dx), (oy, ox)] = z[c, oy·stride + dy − 1, ox·stride + dx − 1], zero outside.
            var columns = [Float](repeating: 0, count: k * so * so)
            z.withUnsafeBufferPointer { zp in
                columns.withUnsafeMutableBufferPointer { cp in
                    for c in 0..<channels {
                        let plane = zp.baseAddress! + c * s * s
                        for dy in 0..<3 {
                            for dx in 0..<3 {
                                let row = cp.baseAddress! + (c * 9 + dy * 3 + dx) * so * so
                                // output columns ox whose source column ox·stride + dx − 1 lies in 0..<s
                                let x0 = dx == 0 ? 1 : 0
                                let x1 = min(so, (s - dx) / stride + 1)
                                guard x1 > x0 else { continue }
                                let y0 = dy == 0 ? 1 : 0
                                let y1 = min(so, (s - dy) / stride + 1)
                                guard y1 > y0 else { continue }
                                for y in y0..<y1 {
                                    let src = plane + (y * stride + dy - 1) * s + (x0 * stride + dx - 1)
                                    let dst = row + y * so + x0
                                    if stride == 1 {
                                        dst.update(from: src, count: x1 - x0)
                                    } else {
                                        for i in 0..<(x1 - x0) { dst[i] = src[i * stride] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // [out, S'·S'] = W [out, k] · columns [k, S'·S']: already channel-major.
            let area = so * so
            var next = [Float](repeating: 0, count: out * area)
            columns.withUnsafeBufferPointer { cp in
                next.withUnsafeMutableBufferPointer { np in
                    BLAS.sgemm(m: out, n: area, k: k, a: layer.weight.pointer, lda: k, b: cp.baseAddress!, ldb: area,
                               transposeB: false, c: np.baseAddress!, ldc: area)
                    for o in 0..<out {
                        let b = layer.bias.pointer[o]
                        let plane = np.baseAddress! + o * area
                        for i in 0..<area { plane[i] += b }
                    }
                    Kernels.gelu(np.baseAddress!, count: np.count)
                }
            }
            z = next
            channels = out
            s = so
        }
        return z
    }

    /// Patch, class and position embeddings for every frame: `[frames, 1 + N, width]`.
    func embed(_ video: Tensor) -> Tensor {
        let c = config
        let frames = video.shape[0], g = c.gridSize, n = c.patchCount, d = c.width
        // The patch conv reads the stem's output (side s, kernel ps) or the pixels (s = S, ps = patch_size).
        let s = c.stemOutputSize, ps = c.patchKernel
        let positions = 1 + n
        let channels = c.patchInputChannels
        let k = channels * ps * ps
        // The patch conv's input per frame: the pixels, or the stem's output.
        var input = video.data
        if !stem.isEmpty {
            let size = c.imageSize
            input = []
            input.reserveCapacity(frames * channels * s * s)
            for t in 0..<frames {
                input += applyStem(Array(video.data[(t * 3 * size * size)..<((t + 1) * 3 * size * size)]))
            }
        }
        var columns = [Float](repeating: 0, count: frames * n * k)
        input.withUnsafeBufferPointer { v in
            columns.withUnsafeMutableBufferPointer { col in
                for t in 0..<frames {
                    for gy in 0..<g {
                        for gx in 0..<g {
                            let row = col.baseAddress! + ((t * n) + gy * g + gx) * k
                            for ch in 0..<channels {
                                for ky in 0..<ps {
                                    let src = v.baseAddress! + ((t * channels + ch) * s + gy * ps + ky) * s + gx * ps
                                    (row + (ch * ps + ky) * ps).update(from: src, count: ps)
                                }
                            }
                        }
                    }
                }
            }
        }
        var x = Tensor(zeros: [frames, positions, d])
        let te = temporalEmbedding(frames: frames)
        columns.withUnsafeBufferPointer { col in
            x.data.withUnsafeMutableBufferPointer { xb in
                let xp = xb.baseAddress!
                for t in 0..<frames {
                    let frame = xp + t * positions * d
                    BLAS.sgemm(m: n, n: d, k: k, a: col.baseAddress! + t * n * k, lda: k,
                               b: patchWeight.pointer, ldb: k, transposeB: true, c: frame + d, ldc: d)
                    for j in 1...n { Kernels.axpy(frame + j * d, patchBias.pointer, count: d) }
                    frame.update(from: clsToken.pointer, count: d)
                    Kernels.axpy(frame, posEmbed.pointer, count: positions * d)
                    if let te {
                        te.data.withUnsafeBufferPointer { tp in
                            for j in 0..<positions { Kernels.axpy(frame + j * d, tp.baseAddress! + t * d, count: d) }
                        }
                    }
                }
            }
        }
        return x
    }

    /// Encodes a video `[frames, 3, S, S]` (normalised pixels) into features.
    ///
    /// - Parameter afterBlock: called with the block index and the tokens after it (introspection, tests).
    public func forward(_ video: Tensor, afterBlock: ((Int, Tensor) -> Void)? = nil, profile: StageProfile? = nil) -> Output {
        precondition(video.shape.count == 4 && video.shape[1] == 3 && video.shape[2] == config.imageSize && video.shape[3] == config.imageSize,
                     "video must be [T, 3, \(config.imageSize), \(config.imageSize)], got \(video.shape)")
        let frames = video.shape[0], d = config.width, positions = 1 + config.patchCount
        let start = profile?.now()
        var x = embed(video)
        if let profile { _ = profile.record("vit.embed", since: start!) }
        var scratch = BlockScratch(rows: frames * positions, width: d, mlp: config.mlpDim, positions: positions)
        defer { scratch.deallocate() }
        var scales: [Float] = []
        for (l, block) in blocks.enumerated() {
            x.data.withUnsafeMutableBufferPointer { xb in
                if let s = block.forward(xb.baseAddress!, frames: frames, positions: positions, width: d,
                                         heads: config.heads, scratch: &scratch, profile: profile) {
                    scales.append(s)
                }
            }
            afterBlock?(l, x)
        }
        return Output(features: norm(x), scales: scales)
    }
}
