import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, memory-mapped zip archive holding only stored (uncompressed) entries, as
/// `torch.save` writes them.
///
/// Reads the end-of-central-directory record (ZIP64 included), the central directory and each
/// entry's local header. Refused: compressed or encrypted entries, names with `..` components or
/// absolute paths, entries whose data range leaves the file, and entry counts the central
/// directory cannot hold. Entry data is served straight from the mapping.
public final class ZipArchive: @unchecked Sendable {
    /// One stored entry.
    public struct Entry: Sendable, Equatable {
        /// The name as stored (forward slashes).
        public let name: String
        /// Where its data starts in the file.
        public let dataOffset: Int
        /// Its size in bytes.
        public let size: Int
    }

    /// The file's path, for error messages.
    public let path: String
    /// Entries in central-directory order.
    public let entries: [Entry]
    private let index: [String: Int]
    private let file: MappedFile
    private let base: UnsafeRawPointer
    private let fileSize: Int

    /// The most entries accepted (a BLIP checkpoint has a few hundred).
    public static let maxEntries = 1 << 20

    /// Maps `path` and reads its directory.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            switch error {
            case .notFound: throw .fileMissing(path: path)
            case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
            }
        }
        let size = file.size
        guard size >= 22 else { throw .notZip(path: path, reason: "only \(size) bytes") }
        let entries = try Self.readDirectory(file.base, size: size, path: path)
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() where index[e.name] == nil { index[e.name] = i }
        self.entries = entries
        self.index = index
        self.file = file
        base = file.base
        fileSize = size
    }


    /// The entry called `name`, if any.
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The bytes of `entry`, valid while the archive lives.
    public func bytes(_ entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + entry.dataOffset, count: entry.size)
    }

    // MARK: - Parsing

    private struct Reader {
        let base: UnsafeRawPointer
        let size: Int
        func u16(_ at: Int) -> Int { Int(UInt16(base.load(fromByteOffset: at, as: UInt8.self)) | UInt16(base.load(fromByteOffset: at + 1, as: UInt8.self)) << 8) }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        func fits(_ at: Int, _ count: Int) -> Bool { at >= 0 && count >= 0 && at <= size && count <= size - at }
    }

    static func clamp(_ v: UInt64) -> Int { v > UInt64(Int.max / 2) ? Int.max / 2 : Int(v) }

    private static func readDirectory(_ base: UnsafeRawPointer, size: Int, path: String) throws(CheckpointError) -> [Entry] {
        let r = Reader(base: base, size: size)
        if base.load(as: UInt8.self) == 0x80 { throw .legacyFormat(path: path) }
        // End of central directory: the last signature within 22 + 65535 bytes of the end.
        var eocd = -1
        var at = size - 22
        let lowest = max(0, size - 22 - 65535)
        while at >= lowest {
            if r.u32(at) == 0x0605_4b50 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else {
            let zipStart = r.u32(0) == 0x0403_4b50
            throw .notZip(path: path, reason: zipStart ? "the end-of-central-directory record is missing (the file is truncated)" : "no zip signature")
        }
        var count = r.u16(eocd + 10)
        var directorySize = r.u32(eocd + 12)
        var directoryOffset = r.u32(eocd + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, r.u32(locator) == 0x0706_4b50 else { throw .notZip(path: path, reason: "ZIP64 locator missing") }
            let record = clamp(r.u64(locator + 8))
            guard r.fits(record, 56), r.u32(record) == 0x0606_4b50 else { throw .corrupt(path: path, reason: "ZIP64 end record outside the file") }
            count = clamp(r.u64(record + 32))
            directorySize = clamp(r.u64(record + 40))
            directoryOffset = clamp(r.u64(record + 48))
        }
        guard r.fits(directoryOffset, directorySize) else {
            throw .corrupt(path: path, reason: "the central directory (\(directorySize) bytes at \(directoryOffset)) exceeds the file size \(size)")
        }
        guard count <= maxEntries, count <= directorySize / 46 else {
            throw .corrupt(path: path, reason: "the directory declares \(count) entries in \(directorySize) bytes")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var p = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<count {
            guard p + 46 <= end, r.u32(p) == 0x0201_4b50 else { throw .corrupt(path: path, reason: "bad central directory entry at byte \(p)") }
            let flags = r.u16(p + 8), method = r.u16(p + 10)
            var compressed = r.u32(p + 20), uncompressed = r.u32(p + 24)
            let nameLength = r.u16(p + 28), extraLength = r.u16(p + 30), commentLength = r.u16(p + 32)
            var local = r.u32(p + 42)
            guard p + 46 + nameLength + extraLength + commentLength <= end else { throw .corrupt(path: path, reason: "central directory entry overruns the directory") }
            let name = String(decoding: UnsafeRawBufferPointer(start: base + p + 46, count: nameLength), as: UTF8.self)
            // ZIP64 extended information: the 0xFFFFFFFF fields, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = r.u16(e), length = r.u16(e + 2)
                guard e + 4 + length <= extraEnd else { break }
                if id == 0x0001 {
                    var q = e + 4
                    if uncompressed == 0xFFFF_FFFF, q + 8 <= e + 4 + length { uncompressed = clamp(r.u64(q)); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= e + 4 + length { compressed = clamp(r.u64(q)); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= e + 4 + length { local = clamp(r.u64(q)); q += 8 }
                }
                e += 4 + length
            }
            p += 46 + nameLength + extraLength + commentLength
            let components = name.split(separator: "/", omittingEmptySubsequences: false)
            if name.hasPrefix("/") || name.hasPrefix("\\") || name.contains("\\") || components.contains("..") || name.contains("\0") || (name.count > 1 && name.dropFirst().hasPrefix(":")) {
                throw .unsafeEntryName(path: path, name: name)
            }
            if flags & 1 != 0 { throw .unsupportedEntry(path: path, name: name, reason: "encrypted") }
            if method != 0 {
                let what = method == 8 ? "deflate-compressed" : "compressed (method \(method))"
                throw .unsupportedEntry(path: path, name: name, reason: what)
            }
            guard compressed == uncompressed else { throw .corrupt(path: path, reason: "stored entry \(name) declares \(compressed) bytes stored but \(uncompressed) bytes of data") }
            guard r.fits(local, 30), r.u32(local) == 0x0403_4b50 else { throw .corrupt(path: path, reason: "entry \(name): local header outside the file or damaged") }
            let dataOffset = local + 30 + r.u16(local + 26) + r.u16(local + 28)
            guard r.fits(dataOffset, uncompressed) else {
                throw .corrupt(path: path, reason: "entry \(name) declares \(uncompressed) bytes at offset \(dataOffset), beyond the end of the \(size)-byte file")
            }
            entries.append(Entry(name: name, dataOffset: dataOffset, size: uncompressed))
        }
        return entries
    }
}
