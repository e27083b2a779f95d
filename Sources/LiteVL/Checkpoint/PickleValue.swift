/// A value produced by the restricted unpickler (``Pickle``): plain Python data, references to
/// allowed globals, and the tensors and storages that `torch.save` describes.
///
/// Lists and dicts are reference types, as in Python: the pickle fills them after memoising
/// them, and a memo lookup must see the same object.
public indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global from the allow-list (`module.name`), not yet called.
    case global(String)
    /// A storage named by a persistent id.
    case storage(StorageReference)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` or `_rebuild_parameter`.
    case tensor(TensorReference)

    /// The value as a dictionary, if it is one.
    public var dict: PickleDict? { if case let .dict(d) = self { return d } else { return nil } }
    /// The value as a tensor, if it is one.
    public var tensor: TensorReference? { if case let .tensor(t) = self { return t } else { return nil } }
    /// The value as a string, if it is one.
    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The value as an integer, if it is one (bools are not).
    public var int: Int? { if case let .int(i) = self { return i } else { return nil } }
}

/// A Python list (or the items of a tuple being built).
public final class PickleList: @unchecked Sendable {
    public var items: [PickleValue] = []
    public init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict or `collections.OrderedDict`, in insertion order (a repeated key keeps its
/// first position and takes the last value, as Python does).
public final class PickleDict: @unchecked Sendable {
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]

    public init() {}

    /// Sets `value` for `key`.
    public func set(_ key: PickleValue, _ value: PickleValue) {
        if case let .string(s) = key {
            if let i = stringIndex[s] { entries[i].value = value; return }
            stringIndex[s] = entries.count
        }
        entries.append((key, value))
    }

    /// The value for a string key.
    public subscript(_ key: String) -> PickleValue? { stringIndex[key].map { entries[$0].value } }

    /// The string keys, in order.
    public var stringKeys: [String] { entries.compactMap { $0.key.string } }
}

/// The element type of a PyTorch storage, from its legacy storage class name.
public enum StorageDType: String, Sendable, CaseIterable {
    case float32 = "FloatStorage", float16 = "HalfStorage", bfloat16 = "BFloat16Storage", float64 = "DoubleStorage"
    case int64 = "LongStorage", int32 = "IntStorage", bool = "BoolStorage"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .bool: return 1
        }
    }

    /// Whether the elements are floating point (weights); the others only occur in buffers.
    public var isFloatingPoint: Bool { [.float32, .float16, .bfloat16, .float64].contains(self) }
}

/// A storage as a persistent id names it: `('storage', torch.FloatStorage, key, location, numel)`.
public struct StorageReference: Sendable, Equatable {
    public let dtype: StorageDType
    /// The archive entry `<prefix>/data/<key>`.
    public let key: String
    /// Elements in the storage.
    public let count: Int
}

/// A tensor as `_rebuild_tensor_v2(storage, offset, size, stride, …)` describes it: a strided
/// view into a storage (validated to stay inside it).
public struct TensorReference: Sendable, Equatable {
    public let storage: StorageReference
    /// The first element, in elements from the start of the storage.
    public let offset: Int
    public let shape: [Int]
    /// Element strides, one per dimension.
    public let strides: [Int]

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether the elements lie row-major and gap-free in the storage.
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }
}
