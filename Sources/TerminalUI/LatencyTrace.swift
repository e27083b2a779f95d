import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LITEVL_TRACE=path`: the app appends one line per milestone to `path`, `<CLOCK_MONOTONIC ns>\t<event>\t<detail>`,
/// for measuring its latency in a real terminal (`scripts/bench-tui.sh`). Events:
///
/// - `start`: the process began. Exact when the launcher put its `CLOCK_MONOTONIC` time in
///   `LITEVL_TRACE_T0` (ns) right before exec (detail `exec`); otherwise the kernel's start time from
///   `/proc/self/stat` (detail `proc`, 10 ms resolution).
/// - `main`, `model-loaded`, `ui-start`: the command began, the model is loaded, the app loop starts.
/// - `first-frame`: the first screen was drawn (after ncurses' refresh).
/// - `clip-ready` / `clip-drawn`: the clip was decoded and encoded / the screen showing it was drawn.
/// - `enter`: the loop read the Enter that asked a question (detail: the question id).
/// - `answer-ready` / `answer-drawn`: the answer came back / the screen showing it was drawn.
///
/// Without the variable nothing is measured or written.
public final class LatencyTrace: @unchecked Sendable {
    /// The trace named by `LITEVL_TRACE`, or nil.
    public static let shared: LatencyTrace? = {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["LITEVL_TRACE"], !path.isEmpty else { return nil }
        return LatencyTrace(path: path, launchedAt: env["LITEVL_TRACE_T0"].flatMap(UInt64.init))
    }()

    private let lock = NSLock()
    private let fd: Int32
    private var firstDrawn = false
    private var clipPending = false
    private var answersPending: [Int] = []

    /// Opens `path` for appending and writes the `start` line.
    public init?(path: String, launchedAt: UInt64? = nil) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        if let launchedAt { append(launchedAt, "start", "exec") }
        else if let t = Self.processStart() { append(t, "start", "proc") }
    }

    deinit { close(fd) }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Records `event` now.
    public func mark(_ event: String, _ detail: String = "") { append(Self.now(), event, detail) }

    private func append(_ t: UInt64, _ event: String, _ detail: String) {
        let line = Array("\(t)\t\(event)\t\(detail)\n".utf8)
        lock.withLock { _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
    }

    // MARK: Hooks of the app loop

    /// An event the loop applies: a clip or answer arriving is drawn by the next frame.
    func applied(_ e: AppEvent) {
        switch e {
        case .clipOpened: mark("clip-ready"); lock.withLock { clipPending = true }
        case .answered(let id, _): mark("answer-ready", "\(id)"); lock.withLock { answersPending.append(id) }
        default: break
        }
    }

    /// The loop asked the worker a question (the user pressed Enter).
    func asked(id: Int) { mark("enter", "\(id)") }

    /// A frame was drawn and refreshed.
    func drawn() {
        let t = Self.now()
        let (first, clip, answers) = lock.withLock {
            defer { firstDrawn = true; clipPending = false; answersPending = [] }
            return (!firstDrawn, clipPending, answersPending)
        }
        if first { append(t, "first-frame", "") }
        if clip { append(t, "clip-drawn", "") }
        for id in answers { append(t, "answer-drawn", "\(id)") }
    }

    /// When the process started, on `CLOCK_MONOTONIC`: `/proc/self/stat`'s start time (clock ticks
    /// after boot) moved from `CLOCK_BOOTTIME` onto the monotonic clock. Linux only.
    static func processStart() -> UInt64? {
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3; starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = UInt64(fields[19]) else { return nil }
        let hz = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let bootNow = UInt64(boot.tv_sec) * 1_000_000_000 + UInt64(boot.tv_nsec)
        let started = ticks * (1_000_000_000 / hz)
        let monoNow = now()
        guard bootNow >= started, monoNow >= bootNow - started else { return nil }
        return monoNow - (bootNow - started)
        #else
        return nil
        #endif
    }
}
