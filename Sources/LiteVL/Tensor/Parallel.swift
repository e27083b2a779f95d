import Foundation

/// Data-parallel loops over the machine's cores for the engine's non-BLAS work.
public enum Parallel {
    /// Results written by distinct iterations into distinct slots.
    private final class Slots<T>: @unchecked Sendable {
        var values: [T?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
    }

    /// `(0..<n).map(body)`, with the iterations spread over `Dispatch`'s worker threads.
    public static func map<T>(_ n: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard n > 1 else { return (0..<n).map(body) }
        let slots = Slots<T>(n)
        slots.values.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: n) { i in out[i] = body(i) }
        }
        return slots.values.map { $0! }
    }
}

extension Parallel {
    /// How many cores element-wise work spreads over: the BLAS thread count (`--threads`), at most
    /// the machine's active processors, so that the engine uses as many cores as asked everywhere.
    public static var width: Int { max(1, min(processors, BLAS.threads)) }
    private static let processors = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` over contiguous parts of `0..<count`, one per core, when each part gets at
    /// least `grain` items (otherwise once, on the calling thread).
    public static func chunks(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(width, count / max(grain, 1))
        guard parts > 1 else { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                run((count * p / parts)..<(count * (p + 1) / parts))
            }
        }
    }
}
