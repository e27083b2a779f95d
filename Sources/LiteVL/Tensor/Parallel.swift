import Dispatch

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
