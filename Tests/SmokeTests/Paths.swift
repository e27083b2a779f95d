import Foundation

/// Paths of the repository and of ../shared, found from this source file.
enum Paths {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static func clip(_ name: String) -> URL { shared.appendingPathComponent("clips").appendingPathComponent(name) }

    /// The debug build of the `litevl` executable, next to the test bundle.
    static var litevlExecutable: URL? {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("litevl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
