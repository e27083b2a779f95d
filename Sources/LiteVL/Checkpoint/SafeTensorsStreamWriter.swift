import Foundation

/// Writes a float32 safetensors file tensor by tensor, without holding the whole file in
/// memory: the header (names sorted, padded with spaces to 8 bytes, as
/// ``SafeTensorsFile/write(_:metadata:to:)`` writes it) first, then each tensor's bytes.
public enum SafeTensorsStreamWriter {
    /// Writes `names` (in sorted order) with their shapes; `bytes(name, sink)` must hand the
    /// tensor's float32 little-endian bytes to `sink`, in one or more pieces.
    public static func write(to url: URL, shapes: [String: [Int]], metadata: [String: String] = [:],
                             bytes: (String, (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = shapes.keys.sorted()
        for name in names {
            let count = shapes[name]!.reduce(1, *)
            header[name] = ["dtype": "F32", "shape": shapes[name]!, "data_offsets": [offset, offset + 4 * count]]
            offset += 4 * count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var length = UInt64(json.count).littleEndian
        try handle.write(contentsOf: Data(bytes: &length, count: 8))
        try handle.write(contentsOf: json)
        for name in names {
            var written = 0
            try bytes(name) { piece in
                written += piece.count
                try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: piece.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!),
                                                  count: piece.count, deallocator: .none))
            }
            precondition(written == 4 * shapes[name]!.reduce(1, *), "tensor \(name): wrote \(written) bytes")
        }
    }
}
