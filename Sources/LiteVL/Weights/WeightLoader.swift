/// Takes tensors out of a ``SafeTensorsFile`` by their PyTorch state-dict names, checking each
/// shape against what the config implies and remembering which names were used, so that
/// missing, mis-shaped and unexpected tensors are all reported by name.
public final class WeightLoader {
    public let file: SafeTensorsFile
    private(set) var used: Set<String> = []

    public init(file: SafeTensorsFile) { self.file = file }

    /// The tensor `name`, which must have `shape`.
    public func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> WeightTensor {
        guard let entry = file.entries[name] else { throw .missingTensor(path: file.path, name: name) }
        guard entry.shape == shape else { throw .wrongShape(path: file.path, name: name, expected: shape, found: entry.shape) }
        used.insert(name)
        return try file.floats(name)
    }

    /// Whether the file has a tensor `name`.
    public func has(_ name: String) -> Bool { file.entries[name] != nil }

    /// `prefix.weight` [out, in] and `prefix.bias` [out].
    public func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) throws(ModelError) -> Linear {
        Linear(weight: try tensor(prefix + ".weight", [outFeatures, inFeatures]),
               bias: bias ? try tensor(prefix + ".bias", [outFeatures]) : nil)
    }

    /// `prefix.weight` and `prefix.bias`, both [width].
    public func layerNorm(_ prefix: String, width: Int, eps: Float) throws(ModelError) -> LayerNorm {
        LayerNorm(weight: try tensor(prefix + ".weight", [width]), bias: try tensor(prefix + ".bias", [width]), eps: eps)
    }

    /// Names in the file that nothing asked for, ignoring those matching `ignoring`.
    public func unused(ignoring: (String) -> Bool = { _ in false }) -> [String] {
        file.entries.keys.filter { !used.contains($0) && !ignoring($0) }.sorted()
    }
}
