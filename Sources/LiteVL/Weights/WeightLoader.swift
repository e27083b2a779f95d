/// Takes tensors out of a ``SafeTensorsFile`` by their PyTorch state-dict names, checking each
/// shape against what the config implies and remembering which names were used, so that
/// missing, mis-shaped and unexpected tensors are all reported by name.
public final class WeightLoader {
    public let file: SafeTensorsFile?
    /// ``WeightPrecision/bfloat16``: every ``linear(_:in:out:bias:)`` also packs its weight in
    /// bfloat16 (the caller checks ``BF16/isSupported`` first).
    public var precision: WeightPrecision = .float32
    private(set) var used: Set<String> = []
    /// In recording mode (no file), every requested tensor in request order.
    private(set) var recorded: [(name: String, shape: [Int])] = []
    private let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    deinit { placeholder.deallocate() }

    public init(file: SafeTensorsFile) { self.file = file }

    /// A loader that hands out placeholders and records what the model asks for: building a
    /// model with it lists every tensor name and shape a config implies (the model itself must
    /// then be discarded).
    init(recording: Void) { self.file = nil }

    /// The tensor `name`, which must have `shape`.
    public func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> WeightTensor {
        guard let file else {
            recorded.append((name, shape))
            return WeightTensor(shape: shape, pointer: UnsafePointer(placeholder))
        }
        guard let entry = file.entries[name] else { throw .missingTensor(path: file.path, name: name) }
        guard entry.shape == shape else { throw .wrongShape(path: file.path, name: name, expected: shape, found: entry.shape) }
        used.insert(name)
        return try file.floats(name)
    }

    /// The embedding table `name`, which must have `shape`, read row by row from the file in its
    /// stored type (see ``RowTable``).
    public func rowTable(_ name: String, _ shape: [Int]) throws(ModelError) -> RowTable {
        guard let file else { return RowTable(try tensor(name, shape)) }
        guard let entry = file.entries[name] else { throw .missingTensor(path: file.path, name: name) }
        guard entry.shape == shape else { throw .wrongShape(path: file.path, name: name, expected: shape, found: entry.shape) }
        used.insert(name)
        return try file.rowTable(name)
    }

    /// Whether the file has a tensor `name`.
    public func has(_ name: String) -> Bool { file.map { $0.entries[name] != nil } ?? true }

    /// `prefix.weight` [out, in] and `prefix.bias` [out].
    public func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) throws(ModelError) -> Linear {
        prepared(Linear(weight: try tensor(prefix + ".weight", [outFeatures, inFeatures]),
                        bias: bias ? try tensor(prefix + ".bias", [outFeatures]) : nil))
    }

    /// `linear` as this loader's ``precision`` wants it: packed in bfloat16 or as it is.
    public func prepared(_ linear: Linear) -> Linear {
        guard precision == .bfloat16, let file else { return linear }
        let packed = linear.packedBF16()
        // The float32 pages were read once to pack them; let them go from resident memory.
        file.releasePages(of: linear.weight)
        return packed
    }

    /// `prefix.weight` and `prefix.bias`, both [width].
    public func layerNorm(_ prefix: String, width: Int, eps: Float) throws(ModelError) -> LayerNorm {
        LayerNorm(weight: try tensor(prefix + ".weight", [width]), bias: try tensor(prefix + ".bias", [width]), eps: eps)
    }

    /// Names in the file that nothing asked for, ignoring those matching `ignoring`.
    public func unused(ignoring: (String) -> Bool = { _ in false }) -> [String] {
        guard let file else { return [] }
        return file.entries.keys.filter { !used.contains($0) && !ignoring($0) }.sorted()
    }
}
