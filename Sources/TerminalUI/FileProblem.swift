import Foundation

/// Why writing a file or creating a folder failed, in a few words a user can act on.
public enum FileProblem {
    /// "permission denied", "no space left on device", "/a/b is a file, not a folder"…; `path` is what was
    /// being written (its first existing ancestor explains errors Foundation reports without a cause).
    public static func reason(_ error: any Error, path: String) -> String {
        let ns = error as NSError
        if let posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap({ $0.domain == NSPOSIXErrorDomain ? $0 : nil }) ?? (ns.domain == NSPOSIXErrorDomain ? ns : nil) {
            return String(cString: strerror(Int32(posix.code))).lowercased()
        }
        // A file where a folder of the path should be: Foundation on Linux says only "error 512/516".
        // (The path already names it in full, so its last component is enough.)
        if let blocker = firstFileInPath(path) { return "\(URL(fileURLWithPath: blocker).lastPathComponent) is a file, not a folder" }
        switch ns.code {
        case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on device"
        case NSFileWriteVolumeReadOnlyError: return "read-only file system"
        case NSFileWriteFileExistsError: return "a file is in the way"
        default: return ns.localizedDescription
        }
    }

    /// The first proper ancestor of `path` that exists and is not a directory, if any.
    static func firstFileInPath(_ path: String) -> String? {
        var url = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        var found: String?
        while url.path != "/" && !url.path.isEmpty {
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue { found = url.path }
            url.deleteLastPathComponent()
        }
        return found
    }
}
