import Foundation

/// A read-only embedding table whose rows are looked up one at a time, kept in its stored element
/// type (float32, float16 or bfloat16) inside the memory-mapped weights file.
///
/// Word-embedding tables are most of a small model's parameters (three vocabulary-sized tables are
/// 82 % of LiteVL-tiny) but a question reads a few dozen of their rows, so widening them to float32
/// at load time would cost far more than it saves. A row is converted when it is copied out.
public struct RowTable: @unchecked Sendable {
    /// The stored element type.
    public enum Element: Sendable {
        case float32, float16, bfloat16

        /// Bytes per element.
        public var size: Int { self == .float32 ? 4 : 2 }
    }

    /// `[rows, columns]`.
    public let shape: [Int]
    /// The first byte of row 0 (any alignment).
    public let base: UnsafeRawPointer
    /// How the elements are stored.
    public let element: Element

    /// The number of rows.
    public var rows: Int { shape[0] }
    /// The length of a row.
    public var columns: Int { shape.count > 1 ? shape[1] : 1 }

    public init(shape: [Int], base: UnsafeRawPointer, element: Element) {
        self.shape = shape
        self.base = base
        self.element = element
    }

    /// A table over float32 weights.
    public init(_ weight: WeightTensor) {
        self.init(shape: weight.shape, base: UnsafeRawPointer(weight.pointer), element: .float32)
    }

    /// Copies row `i` into `out` (`columns` floats), widening it.
    @inline(__always)
    public func copyRow(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        let n = columns
        let src = base + i * n * element.size
        switch element {
        case .float32:
            memcpy(out, src, n * 4)
        case .float16:
            Kernels.widenHalf(src, into: out, count: n)
        case .bfloat16:
            Kernels.widenBFloat16(src, into: out, count: n)
        }
    }
}
