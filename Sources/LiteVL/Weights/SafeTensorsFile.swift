import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file, memory-mapped read-only.
///
/// The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the raw data. Float32 tensors whose data is 4-byte aligned are
/// served straight from the mapping (no copy); float16/bfloat16 tensors are widened to float32 once,
/// on first use, into one arena advised for transparent huge pages (large tensors on every core),
/// except embedding tables asked for as a ``RowTable``, which stay in the mapping. Every length and
/// offset is checked against the file before use, so a truncated or hostile file gives a
/// ``ModelError`` instead of a crash.
public final class SafeTensorsFile: @unchecked Sendable {
    /// One entry of the header.
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data section.
        public let begin: Int
        public let end: Int
    }

    /// The file's path, used in error messages.
    public let path: String
    /// The tensors by name.
    public let entries: [String: Entry]
    /// Optional `__metadata__` strings.
    public let metadata: [String: String]

    private let file: MappedFile
    private let base: UnsafeRawPointer
    private let dataStart: Int
    private let lock = NSLock()
    private var widened: [String: UnsafeMutablePointer<Float>] = [:]
    private var arena: WidenArena?

    /// The largest header accepted, as the Rust reference implementation does (100 MB).
    public static let maxHeaderBytes = 100_000_000

    /// Maps `path` and parses its header.
    public init(path: String) throws(ModelError) {
        self.path = path
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            switch error {
            case .notFound: throw .fileMissing(path: path, what: "weights file")
            case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
            }
        }
        let size = file.size
        guard size >= 8 else { throw .badWeightsFile(path: path, reason: "only \(size) bytes, shorter than the 8-byte header length") }
        let raw = file.base
        var headerLength: UInt64 = 0
        memcpy(&headerLength, raw, 8)
        headerLength = UInt64(littleEndian: headerLength)
        guard headerLength <= UInt64(Self.maxHeaderBytes), Int(headerLength) <= size - 8 else {
            throw .badWeightsFile(path: path, reason: "header length \(headerLength) exceeds the file size \(size)")
        }
        let headerData = Data(bytes: raw + 8, count: Int(headerLength))
        let parsed: (entries: [String: Entry], metadata: [String: String])
        do {
            parsed = try Self.parseHeader(headerData, dataSize: size - 8 - Int(headerLength))
        } catch {
            throw .badWeightsFile(path: path, reason: error.message)
        }
        self.entries = parsed.entries
        self.metadata = parsed.metadata
        self.file = file
        self.base = raw
        self.dataStart = 8 + Int(headerLength)
    }

    /// Whether the tensor is served as a float32 copy rather than from the mapping.
    private func needsWidening(_ e: Entry) -> Bool {
        e.dtype != "F32" || Int(bitPattern: base + dataStart + e.begin) % MemoryLayout<Float>.alignment != 0
    }

    /// Widens tensor `name` into the arena, splitting large tensors across cores. Called with the
    /// lock held.
    private func widen(_ name: String, _ e: Entry) -> UnsafeMutablePointer<Float> {
        if arena == nil {
            // One arena for every tensor that may need widening, so that they share huge pages.
            let total = entries.values.filter(needsWidening).reduce(0) { $0 + ($1.end - $1.begin) / Self.elementSize($1.dtype)! * 4 + 64 }
            arena = WidenArena(bytes: max(total, 64))
        }
        let n = e.shape.reduce(1, *)
        let out = arena!.take(bytes: n * 4)
        let chunk = 1 << 18
        nonisolated(unsafe) let src = base + dataStart + e.begin, dst = out
        let dtype = e.dtype
        if n >= 2 * chunk {
            DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
                Self.widen(dtype, from: src, into: dst, range: (c * chunk)..<min(n, (c + 1) * chunk))
            }
        } else {
            Self.widen(dtype, from: src, into: dst, range: 0..<n)
        }
        widened[name] = out
        return out
    }

    /// Converts elements `range` of a float32/float16/bfloat16 tensor at `src` to float32.
    private static func widen(_ dtype: String, from src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, range: Range<Int>) {
        let n = range.count
        switch dtype {
        case "F16":
            Kernels.widenHalf(src + 2 * range.lowerBound, into: out + range.lowerBound, count: n)
        case "BF16":
            Kernels.widenBFloat16(src + 2 * range.lowerBound, into: out + range.lowerBound, count: n)
        default:
            memcpy(out + range.lowerBound, src + 4 * range.lowerBound, n * 4)
        }
    }

    struct HeaderError: Error { let message: String }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    static func parseHeader(_ data: Data, dataSize: Int) throws(HeaderError) -> (entries: [String: Entry], metadata: [String: String]) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw HeaderError(message: "the header is not valid JSON")
        }
        guard let dict = object as? [String: Any] else { throw HeaderError(message: "the header is not a JSON object") }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        // In name order, so a damaged file names the same tensor on every run.
        for name in dict.keys.sorted() {
            let value = dict[name]!
            if name == "__metadata__" {
                if let m = value as? [String: Any] {
                    for (k, v) in m { if let s = v as? String { metadata[k] = s } }
                }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any], offsetsAny.count == 2
            else { throw HeaderError(message: "entry \(name) lacks dtype, shape or data_offsets") }
            guard let esize = elementSize(dtype) else { throw HeaderError(message: "tensor \(name) has unknown dtype \(dtype)") }
            var shape: [Int] = []
            var elements = 1
            for d in shapeAny {
                guard let n = (d as? NSNumber)?.intValue, n >= 0 else { throw HeaderError(message: "tensor \(name) has a bad shape") }
                let (product, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow, product <= dataSize else { throw HeaderError(message: "tensor \(name) has an absurd shape \(shapeAny)") }
                elements = product
                shape.append(n)
            }
            guard let begin = (offsetsAny[0] as? NSNumber)?.intValue, let end = (offsetsAny[1] as? NSNumber)?.intValue,
                  begin >= 0, end >= begin, end <= dataSize
            else { throw HeaderError(message: "tensor \(name) points outside the file (truncated download?)") }
            guard end - begin == elements * esize else {
                throw HeaderError(message: "tensor \(name) has \(end - begin) bytes for \(elements) elements of \(dtype)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: begin, end: end)
        }
        return (entries, metadata)
    }

    /// The tensor `name` as float32, widening float16/bfloat16 once and caching the result.
    public func floats(_ name: String) throws(ModelError) -> WeightTensor {
        guard let e = entries[name] else { throw .missingTensor(path: path, name: name) }
        if !needsWidening(e) {
            return WeightTensor(shape: e.shape, pointer: (base + dataStart + e.begin).assumingMemoryBound(to: Float.self))
        }
        guard ["F32", "F16", "BF16"].contains(e.dtype) else { throw .unsupportedDType(path: path, name: name, dtype: e.dtype) }
        lock.lock(); defer { lock.unlock() }
        return WeightTensor(shape: e.shape, pointer: UnsafePointer(widened[name] ?? widen(name, e)))
    }

    /// Drops the resident pages of the mapping that lie wholly inside `weight` (a tensor served from
    /// the mapping), for weights that were converted to another form (bfloat16 packing) and will not
    /// be read again. They are read back from the file if they are. Weights outside the mapping
    /// (widened copies) are left alone.
    public func releasePages(of weight: WeightTensor) {
        let start = Int(bitPattern: weight.pointer), end = start + weight.count * 4
        let mapStart = Int(bitPattern: base), mapEnd = mapStart + file.size
        guard start >= mapStart, end <= mapEnd else { return }
        let page = Int(getpagesize())
        let from = (start + page - 1) / page * page, to = end / page * page
        guard to > from else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: from), to - from, MADV_DONTNEED)
    }

    /// The 2-D tensor `name` as a ``RowTable`` over the mapping, without widening it.
    public func rowTable(_ name: String) throws(ModelError) -> RowTable {
        guard let e = entries[name] else { throw .missingTensor(path: path, name: name) }
        let element: RowTable.Element
        switch e.dtype {
        case "F32": element = .float32
        case "F16": element = .float16
        case "BF16": element = .bfloat16
        default: throw .unsupportedDType(path: path, name: name, dtype: e.dtype)
        }
        return RowTable(shape: e.shape, base: base + dataStart + e.begin, element: element)
    }

    /// The tensor `name` as integers (I64, I32, U8 or BOOL), for fixtures and token tables.
    public func integers(_ name: String) throws(ModelError) -> [Int] {
        guard let e = entries[name] else { throw .missingTensor(path: path, name: name) }
        let src = base + dataStart + e.begin
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case "I64": return (0..<n).map { i in var v: Int64 = 0; memcpy(&v, src + 8 * i, 8); return Int(Int64(littleEndian: v)) }
        case "I32": return (0..<n).map { i in var v: Int32 = 0; memcpy(&v, src + 4 * i, 4); return Int(Int32(littleEndian: v)) }
        case "U8", "BOOL": return (0..<n).map { i in Int(src.load(fromByteOffset: i, as: UInt8.self)) }
        default: throw .unsupportedDType(path: path, name: name, dtype: e.dtype)
        }
    }

    /// The tensor `name` copied into a `Tensor`.
    public func tensor(_ name: String) throws(ModelError) -> Tensor {
        try floats(name).toTensor()
    }
}

/// Anonymous memory for widened weights, aligned to and advised for 2 MiB transparent huge pages
/// on Linux; unmapped with the file.
final class WidenArena: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    private let mapping: UnsafeMutableRawPointer
    private let length: Int

    init(bytes: Int) {
        capacity = bytes
        #if os(Linux)
        let huge = 2 << 20
        let size = (bytes + huge - 1) / huge * huge + huge
        if let m = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED {
            mapping = m
            length = size
            let aligned = (Int(bitPattern: m) + huge - 1) / huge * huge
            base = UnsafeMutableRawPointer(bitPattern: aligned)!
            _ = madvise(base, size - huge, 14)  // MADV_HUGEPAGE
            return
        }
        #endif
        mapping = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        length = 0
        base = mapping
    }

    private var used = 0
    private let capacity: Int

    deinit {
        if length > 0 { munmap(mapping, length) } else { mapping.deallocate() }
    }

    /// The next `bytes` (rounded up to 64) of the arena.
    func take(bytes: Int) -> UnsafeMutablePointer<Float> {
        let size = (bytes + 63) / 64 * 64
        precondition(used + size <= capacity, "widening arena overflow")
        defer { used += size }
        return (base + used).assumingMemoryBound(to: Float.self)
    }
}

extension SafeTensorsFile {
    /// Writes float32 tensors as a safetensors file (header padded to 8 bytes, names sorted).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            tensors[name]!.data.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        }
        try out.write(to: url)
    }
}
