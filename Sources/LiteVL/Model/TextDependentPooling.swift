import Foundation

/// The result of LiteVL's parameter-free text-dependent pooling for one question
/// (docs/model.md, "Text-dependent pooling").
public struct PoolingResult: Sendable {
    /// a_t: softmax over frames of the similarity between each frame's class token and the question.
    public var temporalWeights: [Float]
    /// b_j: softmax over the N patch positions of the similarity between the frame-averaged patch
    /// feature and the question.
    public var spatialWeights: [Float]

    /// The pooled memory rows appended after the frame tokens, `[1 + N + frames, width]`: Σ_t a_t V[t]
    /// (1 + N rows) followed by Σ_j b_j V[t, 1 + j] for every frame. The model itself pools its
    /// cached keys and values instead (``TextDependentPooling/pooledRows(_:frames:positions:width:temporalWeights:spatialWeights:)``),
    /// so these rows are computed only when asked for.
    public func memoryRows(of features: Tensor) -> Tensor {
        let frames = features.shape[0], positions = features.shape[1], width = features.shape[2]
        precondition(temporalWeights.count == frames && spatialWeights.count == positions - 1, "pooling weights do not match the features")
        return features.data.withUnsafeBufferPointer { vp in
            TextDependentPooling.pooledRows(vp.baseAddress!, frames: frames, positions: positions, width: width,
                                            temporalWeights: temporalWeights, spatialWeights: spatialWeights)
        }
    }
}

/// Text-dependent pooling: no parameters, only similarities to the question feature.
public enum TextDependentPooling {
    /// The pooling weights for the question feature `q` (`[embedDim]`, unit norm) given the
    /// projected, normalised features `projected` (`[frames, 1 + N, embedDim]`) and their mean over
    /// frames `projectedMean` (`[1 + N, embedDim]`).
    public static func pool(projected: Tensor, projectedMean: Tensor, question q: [Float], tau: Float) -> PoolingResult {
        let frames = projected.shape[0], positions = projected.shape[1], e = projected.shape[2]
        precondition(q.count == e)
        var a = [Float](repeating: 0, count: frames)
        var b = [Float](repeating: 0, count: positions - 1)
        q.withUnsafeBufferPointer { qp in
            projected.data.withUnsafeBufferPointer { up in
                for t in 0..<frames { a[t] = Kernels.dot(up.baseAddress! + t * positions * e, qp.baseAddress!, count: e) / tau }
            }
            projectedMean.data.withUnsafeBufferPointer { mp in
                for j in 1..<positions { b[j - 1] = Kernels.dot(mp.baseAddress! + j * e, qp.baseAddress!, count: e) / tau }
            }
        }
        a.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 1, cols: frames) }
        b.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 1, cols: positions - 1) }
        return PoolingResult(temporalWeights: a, spatialWeights: b)
    }

    /// The pooled rows of any per-token quantity `x` (`[frames, positions, width]`): Σ_t a_t x[t]
    /// (`positions` rows) followed by Σ_j b_j x[t, 1 + j] for every frame (`frames` rows).
    ///
    /// Applied to V this gives the memory rows; applied to a layer's cached keys or values of the
    /// frame tokens it gives the pooled rows' keys or values directly, because a projection
    /// x·Wᵀ + b is affine and both weight vectors sum to 1 (so the bias carries through).
    public static func pooledRows(_ x: UnsafePointer<Float>, frames: Int, positions: Int, width: Int,
                                  temporalWeights a: [Float], spatialWeights b: [Float]) -> Tensor {
        var out = Tensor(zeros: [positions + frames, width])
        out.data.withUnsafeMutableBufferPointer { op in
            // One pass over x: every row feeds its frame's share of the temporal rows and its
            // patch's share of the frame's spatial row.
            let time = op.baseAddress!, space = time + positions * width
            for t in 0..<frames {
                let at = a[t]
                for j in 0..<positions {
                    let row = x + (t * positions + j) * width
                    Kernels.axpy(time + j * width, row, count: width, scale: at)
                    if j > 0 { Kernels.axpy(space + t * width, row, count: width, scale: b[j - 1]) }
                }
            }
        }
        return out
    }
}
