/// A small dense float32 tensor in row-major order.
///
/// Activations live in `Tensor`s; weights are `WeightTensor` views into a memory-mapped file.
/// There is no autograd: the engine only runs inference.
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension, outermost first.
    public var shape: [Int]
    /// The elements, row-major.
    public var data: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor over existing elements; `data.count` must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    /// The number of elements.
    public var count: Int { data.count }

    /// Rows of the last dimension: the product of every dimension but the last.
    public var rows: Int { shape.dropLast().reduce(1, *) }

    /// The last dimension.
    public var columns: Int { shape.last ?? 1 }

    /// The same elements under another shape.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Row `i` of the tensor seen as a matrix `[rows, columns]`.
    public func row(_ i: Int) -> ArraySlice<Float> {
        data[(i * columns)..<((i + 1) * columns)]
    }
}

/// A read-only float32 view of a weight, usually into a memory-mapped file.
///
/// The storage that owns the memory (a `SafeTensorsFile`) must outlive the view; the model keeps
/// it alive for as long as any layer holds weights.
public struct WeightTensor: @unchecked Sendable {
    /// The extent of each dimension, as stored.
    public let shape: [Int]
    /// The first element.
    public let pointer: UnsafePointer<Float>

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements as a buffer.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }

    /// Copies the elements into a `Tensor`.
    public func toTensor() -> Tensor { Tensor(shape: shape, data: Array(buffer)) }

    public init(shape: [Int], pointer: UnsafePointer<Float>) {
        self.shape = shape
        self.pointer = pointer
    }
}
