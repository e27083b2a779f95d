import ArgumentParser
import Foundation

/// The `litevl` command: the terminal app by default, plus non-interactive subcommands.
@main
struct LiteVLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litevl",
        abstract: "Ask questions about a video clip with LiteVL, in the terminal.",
        version: "0.1.0",
        subcommands: LiteVLCommand.allSubcommands,
        defaultSubcommand: TUICommand.self
    )

    /// ArgumentParser's `main`, except that a bad flag is one line on standard error, like every
    /// other error (`litevl: unknown option '--x' (see 'litevl ask --help')`), exit code 64.
    /// `--help`, `--version` and the commands' own exit codes are unchanged.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let full = fullMessage(for: error)
            if code == .validationFailure, !full.isEmpty {
                printError(usageErrorLine(full))
                Foundation.exit(code.rawValue)
            }
            exit(withError: error)
        }
    }

    /// ArgumentParser's multi-line message ("Error: …", "Help: …", "Usage: …", "See '… --help'") as one line.
    static func usageErrorLine(_ full: String) -> String {
        let lines = full.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var what = lines.first ?? "bad arguments"
        if what.hasPrefix("Error: ") { what.removeFirst("Error: ".count) }
        if let first = what.first { what = first.lowercased() + what.dropFirst() }
        if let see = lines.first(where: { $0.hasPrefix("See '") }), let start = see.firstIndex(of: "'"),
           let end = see[see.index(after: start)...].firstIndex(of: "'") {
            return "\(what) (see '\(see[see.index(after: start)..<end])')"
        }
        return "\(what) (see 'litevl --help')"
    }
}
