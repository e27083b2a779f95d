import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the fuzz targets.
public enum FuzzSupport {
    /// A per-process scratch directory on tmpfs when there is one (inputs are rewritten on every run).
    public static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = "\(base)/litevl-fuzz-\(getpid())"
        mkdir(dir, 0o700)
        return dir
    }()

    /// Writes `size` bytes at `data` to `directory/name` (replacing it) and returns the path.
    public static func write(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        var done = 0
        while done < size {
            let n = Glibc.write(fd, data + done, size - done)
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
        return path
    }

    /// The repository root (for fixtures such as Assets/vocab.txt), from this file's location.
    public static func repositoryRoot(_ file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Fuzz/Sources/FuzzSupport/FuzzSupport.swift
        return url.path
    }
}

/// libFuzzer's driver (in the runtime that `-sanitize=fuzzer` links).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

extension FuzzSupport {
    /// Runs libFuzzer with the process's arguments. SwiftPM renames an executable target's entry
    /// point (`<Target>_main`) and aliases `main` to it, which hides libFuzzer's own `main`; so
    /// each target has a `@main` that calls this instead.
    public static func runLibFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
}
