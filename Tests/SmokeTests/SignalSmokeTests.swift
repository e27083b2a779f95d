import Foundation
import Testing

/// The signal handling itself is tested on the real app in tmux (`TerminalAppTests`: SIGTERM, SIGHUP give
/// 143, 129 and a restored terminal); raising a signal in this process would stop the app loops that other
/// tests run here.
@Suite("The app's signal flag: one variable, in a .c file")
struct SignalSmokeTests {
    /// The release app once ignored SIGTERM: the flag was a `static` in a C header, every Swift file
    /// that inlined the poll got its own copy, and the handler wrote another. Headers of the C targets
    /// must not define storage; it belongs in a .c file.
    @Test("no C header of the package defines static storage")
    func noStaticStorageInHeaders() throws {
        let sources = Paths.repoRoot.appendingPathComponent("Sources")
        let fm = FileManager.default
        var offenders: [String] = []
        for case let url as URL in fm.enumerator(at: sources, includingPropertiesForKeys: nil)! where url.pathExtension == "h" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                // `static inline` functions are fine (no state); any other `static` declaration is storage
                // or a function with its own copy per importer.
                if t.hasPrefix("static ") && !t.hasPrefix("static inline ") {
                    offenders.append("\(url.lastPathComponent):\(n + 1): \(t)")
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
