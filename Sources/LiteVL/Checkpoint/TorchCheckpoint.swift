import Foundation

/// A PyTorch checkpoint as `torch.save` writes it since PyTorch 1.6: a zip archive holding
/// `<prefix>/data.pkl` (the pickled object, read by the restricted ``Pickle``) and one entry
/// `<prefix>/data/<key>` per storage.
///
/// Opening validates everything up front: every persistent id names an existing storage entry
/// large enough for its element count, and every tensor's strided view lies inside its
/// storage. Tensor values are read lazily from the memory-mapped archive.
public final class TorchCheckpoint: @unchecked Sendable {
    /// The checkpoint file.
    public let path: String
    /// The archive (kept open: tensors read from its mapping).
    public let archive: ZipArchive
    /// The folder inside the archive (`archive` in recent PyTorch, the file's stem in older ones).
    public let prefix: String
    /// The unpickled object.
    public let root: PickleValue

    /// Opens and validates `path`.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let archive = try ZipArchive(path: path)
        self.archive = archive
        guard let pickle = archive.entries.first(where: { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }) else {
            throw .notZip(path: path, reason: "the archive holds no data.pkl")
        }
        let prefix = pickle.name == "data.pkl" ? "" : String(pickle.name.dropLast("/data.pkl".count))
        self.prefix = prefix
        if let order = archive.entry(prefix + "/byteorder") {
            let text = String(decoding: archive.bytes(order), as: UTF8.self)
            guard text.hasPrefix("little") else { throw .conversion(path: path, reason: "it was saved on a big-endian machine (byteorder \(text))") }
        }
        let dataPrefix = (prefix.isEmpty ? "" : prefix + "/") + "data/"
        let unpickler = Pickle(path: path) { (pid: PickleValue) throws(CheckpointError) -> PickleValue in
            guard case let .tuple(t) = pid, t.count == 5, t[0].string == "storage", case let .global(type) = t[1],
                  let key = t[2].string, let count = t[4].int, count >= 0 else {
                throw .badPickle(path: path, reason: "a persistent id is not ('storage', type, key, location, numel)")
            }
            guard let dtype = StorageDType(rawValue: String(type.dropFirst("torch.".count))), type.hasPrefix("torch.") else {
                throw .forbiddenGlobal(path: path, global: type)
            }
            guard let entry = archive.entry(dataPrefix + key) else {
                throw .corrupt(path: path, reason: "storage \(key) has no entry \(dataPrefix + key) in the archive")
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, bytes <= entry.size else {
                throw .corrupt(path: path, reason: "storage \(key) needs \(count) elements of \(dtype.size) bytes, but its entry holds only \(entry.size) bytes")
            }
            return .storage(StorageReference(dtype: dtype, key: key, count: count))
        }
        root = try unpickler.load(archive.bytes(pickle))
    }

    /// A dictionary whose keys are strings and whose values are all tensors.
    static func isStateDict(_ d: PickleDict) -> Bool {
        !d.entries.isEmpty && d.entries.allSatisfy { $0.key.string != nil && $0.value.tensor != nil }
    }

    /// The state dict: the top-level object, or the first dictionary of tensors found under
    /// `model`, `state_dict` or `module` (searched two levels deep), with the path where it was found.
    public func stateDict() throws(CheckpointError) -> (location: String, tensors: [(name: String, tensor: StoredTensor)]) {
        guard case let .dict(top) = root else { throw .noStateDict(path: path, keys: []) }
        func search(_ d: PickleDict, _ location: String, depth: Int) -> (String, PickleDict)? {
            if Self.isStateDict(d) { return (location, d) }
            guard depth < 3 else { return nil }
            for key in ["model", "state_dict", "module"] {
                if let inner = d[key]?.dict, let found = search(inner, location.isEmpty ? key : location + "." + key, depth: depth + 1) { return found }
            }
            return nil
        }
        guard let (location, dict) = search(top, "", depth: 0) else { throw .noStateDict(path: path, keys: top.stringKeys) }
        return (location.isEmpty ? "(top level)" : location,
                dict.entries.map { ($0.key.string!, StoredTensor(reference: $0.value.tensor!, checkpoint: self)) })
    }

    /// The raw bytes of a storage.
    func storageBytes(_ s: StorageReference) -> UnsafeRawPointer {
        let dataPrefix = (prefix.isEmpty ? "" : prefix + "/") + "data/"
        return archive.bytes(archive.entry(dataPrefix + s.key)!).baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
    }
}

/// One tensor of a checkpoint: a strided view into a memory-mapped storage, read on demand.
public struct StoredTensor: @unchecked Sendable {
    /// Storage, offset, shape and strides.
    public let reference: TensorReference
    /// Keeps the mapping alive.
    let checkpoint: TorchCheckpoint

    public var shape: [Int] { reference.shape }
    public var strides: [Int] { reference.strides }
    public var dtype: StorageDType { reference.storage.dtype }
    public var count: Int { reference.count }

    /// Whether the bytes can be copied straight out of the file (float32, row-major, gap-free).
    public var isContiguousFloat32: Bool { dtype == .float32 && reference.isContiguous }

    /// A pointer to the first element when ``isContiguousFloat32``.
    public var contiguousBytes: UnsafeRawBufferPointer? {
        guard isContiguousFloat32 else { return nil }
        return UnsafeRawBufferPointer(start: checkpoint.storageBytes(reference.storage) + reference.offset * 4, count: count * 4)
    }

    /// The flat storage indices of the elements, row-major over `shape`.
    func forEachIndex(_ body: (Int, Int) -> Void) {
        let shape = reference.shape, strides = reference.strides
        let n = count
        guard n > 0 else { return }
        var idx = [Int](repeating: 0, count: shape.count)
        var at = reference.offset
        for i in 0..<n {
            body(i, at)
            var d = shape.count - 1
            while d >= 0 {
                idx[d] += 1
                at += strides[d]
                if idx[d] < shape[d] { break }
                at -= strides[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }

    /// The values as float32 (float16, bfloat16 and float64 converted; integers and bools too).
    public func floats() -> [Float] {
        let base = checkpoint.storageBytes(reference.storage)
        var out = [Float](repeating: 0, count: count)
        if let bytes = contiguousBytes {
            out.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
            return out
        }
        out.withUnsafeMutableBufferPointer { o in
            switch dtype {
            case .float32: forEachIndex { i, at in o[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * at, as: UInt32.self))) }
            case .float16: forEachIndex { i, at in o[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * at, as: UInt16.self)))) }
            case .bfloat16: forEachIndex { i, at in o[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * at, as: UInt16.self))) << 16) }
            case .float64: forEachIndex { i, at in o[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * at, as: UInt64.self)))) }
            case .int64: forEachIndex { i, at in o[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * at, as: Int64.self))) }
            case .int32: forEachIndex { i, at in o[i] = Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * at, as: Int32.self))) }
            case .bool: forEachIndex { i, at in o[i] = base.load(fromByteOffset: at, as: UInt8.self) != 0 ? 1 : 0 }
            }
        }
        return out
    }

    /// The values as Double (exact for every dtype but int64 beyond 2^53).
    public func doubles() -> [Double] {
        guard dtype == .float64 || dtype == .int64 else { return floats().map(Double.init) }
        let base = checkpoint.storageBytes(reference.storage)
        var out = [Double](repeating: 0, count: count)
        forEachIndex { i, at in
            let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * at, as: UInt64.self))
            out[i] = dtype == .float64 ? Double(bitPattern: bits) : Double(Int64(bitPattern: bits))
        }
        return out
    }

    /// The values as a float32 ``Tensor``.
    public func toTensor() -> Tensor { Tensor(shape: shape, data: floats()) }
}
