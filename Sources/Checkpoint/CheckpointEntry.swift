/// One tensor of a checkpoint: its name, stored element type and shape.
public struct CheckpointEntry: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}
