/// A fixed-size, manually owned float32 buffer for activations and workspaces.
///
/// Kernels take raw pointers; keeping activations in `FloatBuffer`s (rather than arrays inside
/// classes) avoids copy-on-write checks and exclusivity bookkeeping in hot loops, and makes the
/// memory layout explicit: buffers are allocated once from the config and reused.
public final class FloatBuffer: @unchecked Sendable {
    // @unchecked: the owner hands the pointer to one computation at a time; the class itself has no shared mutable state.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values` (written once: no zero-fill first, which for ViT-L's
    /// weights would touch 1.7 GB twice at start-up).
    public init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        if values.isEmpty {
            pointer.initialize(to: 0)
        } else {
            values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// Sets every value to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// The values as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The values as a tensor of `shape`.
    public func tensor(_ shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == count, "shape \(shape) does not match buffer of \(count)")
        return Tensor(shape: shape, data: array)
    }
}

extension Tensor {
    /// Calls `body` with a pointer to the values (read-only).
    @inlinable
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Calls `body` with a mutable pointer to the values.
    @inlinable
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
