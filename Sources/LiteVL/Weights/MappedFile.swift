import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file memory-mapped read-only; unmapped when the last reference goes.
///
/// Shared by the safetensors reader and the checkpoint zip reader, which turn its ``Failure``
/// into their own one-line errors.
final class MappedFile: @unchecked Sendable {
    enum Failure: Error {
        case notFound
        case unreadable(String)
    }

    /// The first byte (a valid address even for an empty file is not guaranteed: check `size`).
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws(Failure) {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let err = errno
            if err == ENOENT { throw .notFound }
            throw .unreadable(String(cString: strerror(err)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .unreadable("it is a directory") }
        size = Int(st.st_size)
        if size == 0 {
            // mmap refuses length 0; an empty mapping stands in.
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 8))
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .unreadable("mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if size == 0 { UnsafeMutableRawPointer(mutating: base).deallocate() } else { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }
}
