import Foundation

/// The result of LiteVL's parameter-free text-dependent pooling for one question
/// (docs/model.md, "Text-dependent pooling").
public struct PoolingResult: Sendable {
    /// a_t: softmax over frames of the similarity between each frame's class token and the question.
    public var temporalWeights: [Float]
    /// b_j: softmax over the N patch positions of the similarity between the frame-averaged patch
    /// feature and the question.
    public var spatialWeights: [Float]
    /// Σ_t a_t V[t]: `[1 + N, width]`.
    public var temporallyPooled: Tensor
    /// Σ_j b_j V[t, j]: `[frames, width]`.
    public var spatiallyPooled: Tensor

    /// The pooled memory rows appended after the frame tokens: `[1 + N + frames, width]`.
    public var memoryRows: Tensor {
        Tensor(shape: [temporallyPooled.shape[0] + spatiallyPooled.shape[0], temporallyPooled.shape[1]],
               data: temporallyPooled.data + spatiallyPooled.data)
    }
}

/// Text-dependent pooling: no parameters, only similarities to the question feature.
public enum TextDependentPooling {
    /// Pools `features` (`[frames, 1 + N, width]`) with the question feature `q` (`[embedDim]`,
    /// unit norm) given the projected, normalised features `projected` (`[frames, 1 + N, embedDim]`)
    /// and their mean over frames `projectedMean` (`[1 + N, embedDim]`).
    public static func pool(features: Tensor, projected: Tensor, projectedMean: Tensor, question q: [Float], tau: Float) -> PoolingResult {
        let frames = features.shape[0], positions = features.shape[1], width = features.shape[2]
        let e = projected.shape[2]
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
        var timePooled = Tensor(zeros: [positions, width])
        var spacePooled = Tensor(zeros: [frames, width])
        features.data.withUnsafeBufferPointer { vp in
            let v = vp.baseAddress!
            timePooled.data.withUnsafeMutableBufferPointer { tp in
                for t in 0..<frames { Kernels.axpy(tp.baseAddress!, v + t * positions * width, count: positions * width, scale: a[t]) }
            }
            spacePooled.data.withUnsafeMutableBufferPointer { sp in
                for t in 0..<frames {
                    for j in 1..<positions {
                        Kernels.axpy(sp.baseAddress! + t * width, v + (t * positions + j) * width, count: width, scale: b[j - 1])
                    }
                }
            }
        }
        return PoolingResult(temporalWeights: a, spatialWeights: b, temporallyPooled: timePooled, spatiallyPooled: spacePooled)
    }
}
