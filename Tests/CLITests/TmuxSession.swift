import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Drives a real terminal for end-to-end tests: a detached tmux session (private server socket, no user
/// config) running a command, with send-keys and capture-pane. For the lead's `litevl smoke-tui` / `tui` tests:
///
///     let t = try TmuxSession(command: "\(litevl) smoke-tui", width: 100, height: 30)
///     defer { t.kill() }
///     #expect(t.waitFor("litevl ncurses ok"))
///     try t.sendKeys("x")                       // any key ends the smoke screen
///     #expect(t.waitFor("EXIT=0"))              // `command` is followed by `echo EXIT=$?`
struct TmuxSession {
    let name: String
    let socket: String

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || which("tmux") != nil }

    /// Starts `command` (a shell command line) in a `width x height` pane with the given environment.
    /// After the command exits the pane prints `EXIT=<status>` and stays open, so the final screen can be read.
    init(command: String, width: Int = 100, height: Int = 30,
         environment: [String: String] = ["TERM": "tmux-256color"]) throws {
        name = "t\(UInt32.random(in: 0...UInt32.max))"
        socket = "litevl-test-\(name)"
        let env = environment.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        // `swift test` exports NO_COLOR=1 to its children: clear it (and COLORTERM) unless the test sets them.
        let shell = "env -u NO_COLOR -u COLORTERM \(env) \(command); echo EXIT=$?; sleep 600"
        try Self.tmux(socket, ["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", shell])
    }

    /// Sends keys as tmux key names ("Enter", "C-c", "Escape", "Up", "PageUp") or literal text with `literal`.
    func sendKeys(_ keys: String..., literal: Bool = false) throws {
        try Self.tmux(socket, ["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    /// The visible pane text (with `escapes`, the SGR colour sequences too).
    func capture(escapes: Bool = false) -> String {
        (try? Self.tmux(socket, ["capture-pane", "-t", name, "-p"] + (escapes ? ["-e"] : []))) ?? ""
    }

    /// Polls the pane until it contains `text`; false after `timeout` seconds.
    /// Waits until `text` is no longer on screen.
    func waitForAbsence(_ text: String, timeout: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if !capture().contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func waitFor(_ text: String, timeout: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if capture().contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func resize(width: Int, height: Int) throws {
        try Self.tmux(socket, ["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    func kill() { _ = try? Self.tmux(socket, ["kill-server"]) }

    /// Runs tmux through `system(3)` (fork/exec/waitpid). Foundation's `Process` is avoided on purpose:
    /// `new-session` forks the tmux server, which inherits Process's internal descriptors, and
    /// `waitUntilExit` then never returns (measured: the client stays a zombie). Output goes via a file.
    @discardableResult
    static func tmux(_ socket: String, _ args: [String]) throws -> String {
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outURL) }
        let tool = which("tmux") ?? "/usr/bin/tmux"
        let line = ([tool, "-L", socket] + args).map(quote).joined(separator: " ")
            + " >" + quote(outURL.path) + " 2>/dev/null </dev/null"
        let status = system(line)
        let data = (try? Data(contentsOf: outURL)) ?? Data()
        guard status == 0 else { throw TmuxError(args: args, status: status) }
        return String(decoding: data, as: UTF8.self)
    }

    struct TmuxError: Error { let args: [String]; let status: Int32 }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
