import Foundation

/// Accumulates wall time per named stage (for `litevl bench`); pass nil to skip all timing.
public final class StageProfile: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [String: Double] = [:]

    /// Seconds per stage so far.
    public var seconds: [String: Double] { lock.withLock { totals } }

    public init() {}

    /// The current time.
    @inline(__always)
    public func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Adds the time since `start` to `stage` and returns the new mark.
    @discardableResult
    public func record(_ stage: String, since start: UInt64) -> UInt64 {
        let t = now()
        lock.withLock { totals[stage, default: 0] += Double(t - start) / 1e9 }
        return t
    }
}
