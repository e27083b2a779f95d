import Foundation
import Testing
@testable import LiteVL

/// float16/bfloat16 weights: widened once into the arena (large tensors in parallel chunks), and
/// embedding tables read row by row from the mapping.
@Suite struct WeightWideningTests {
    /// Writes a safetensors file with the given raw tensors (dtype, shape, little-endian bytes).
    static func write(_ tensors: [(String, String, [Int], [UInt8])]) throws -> URL {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [data.count, data.count + bytes.count]]
            data += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(contentsOf: data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("widen-\(UUID().uuidString).safetensors")
        try out.write(to: url)
        return url
    }

    /// Deterministic values exactly representable in float16 and bfloat16 (k/64 for small k).
    static func values(_ n: Int, seed: Int) -> [Float] {
        (0..<n).map { Float(($0 * 7 + seed * 13) % 257 - 128) / 64 }
    }

    static func halfBytes(_ v: [Float]) -> [UInt8] {
        v.flatMap { x -> [UInt8] in let b = Float16(x).bitPattern; return [UInt8(b & 0xff), UInt8(b >> 8)] }
    }

    static func bfloatBytes(_ v: [Float]) -> [UInt8] {
        v.flatMap { x -> [UInt8] in let b = UInt16(x.bitPattern >> 16); return [UInt8(b & 0xff), UInt8(b >> 8)] }
    }

    @Test("float16 and bfloat16 tensors widen exactly, small ones and ones split across cores")
    func widening() throws {
        let big = 600_000  // above the 2 × 2^18 elements at which widening splits into chunks
        let a = Self.values(big, seed: 1), b = Self.values(1000, seed: 2), c = Self.values(300, seed: 3)
        let url = try Self.write([("big", "F16", [600, 1000], Self.halfBytes(a)),
                                  ("small", "BF16", [1000], Self.bfloatBytes(b)),
                                  ("odd", "F16", [3, 100], Self.halfBytes(c))])
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafeTensorsFile(path: url.path)
        #expect(Array(try file.floats("big").buffer) == a)
        #expect(Array(try file.floats("small").buffer) == b)
        #expect(Array(try file.floats("odd").buffer) == c)
        // Widened once: the same pointer on the next request.
        #expect(try file.floats("big").pointer == file.floats("big").pointer)
        // Each tensor in its own slice of the arena.
        let p = [try file.floats("big").pointer, try file.floats("small").pointer, try file.floats("odd").pointer]
        #expect(Set(p.map { Int(bitPattern: $0) }).count == 3)
    }

    @Test("row tables read rows of float16, bfloat16 and float32 tables without widening the table")
    func rowTables() throws {
        let h = Self.values(50 * 24, seed: 4), bf = Self.values(50 * 24, seed: 5), f = Self.values(50 * 24, seed: 6)
        let url = try Self.write([("h", "F16", [50, 24], Self.halfBytes(h)),
                                  ("b", "BF16", [50, 24], Self.bfloatBytes(bf)),
                                  ("f", "F32", [50, 24], f.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } })])
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafeTensorsFile(path: url.path)
        for (name, want) in [("h", h), ("b", bf), ("f", f)] {
            let table = try file.rowTable(name)
            #expect(table.rows == 50 && table.columns == 24)
            var row = [Float](repeating: .nan, count: 24)
            for i in [0, 1, 17, 49] {
                row.withUnsafeMutableBufferPointer { table.copyRow(i, into: $0.baseAddress!) }
                #expect(row == Array(want[(i * 24)..<((i + 1) * 24)]), "row \(i) of \(name)")
            }
        }
        #expect(throws: ModelError.self) { try file.rowTable("missing") }
    }
}
