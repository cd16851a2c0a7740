import Tensor

/// An opened checkpoint of any supported format: its tensors by name, decoded on request, and the
/// non-tensor values it holds. Obtain one with `CheckpointArchive.open(path:)`.
public struct LoadedCheckpoint: Sendable {
    enum Source: Sendable {
        case safetensors(SafetensorsFile)
        case torch(TorchArchive)
    }

    /// The file.
    public let path: String
    public let format: CheckpointFormat
    /// Every tensor, in file order (safetensors: by offset; PyTorch: in pickle order).
    public let entries: [CheckpointEntry]
    /// Non-tensor values by dotted name: training-checkpoint fields such as `epoch`, and a
    /// TorchScript CLIP's `input_resolution`, `context_length` and `vocab_size`.
    public let scalars: [String: CheckpointScalar]
    /// Safetensors `__metadata__` strings (empty for PyTorch archives).
    public let metadata: [String: String]
    private let source: Source
    private let index: [String: Int]

    init(path: String, source: Source) {
        self.path = path
        self.source = source
        switch source {
        case let .safetensors(f):
            format = .safetensors
            entries = f.entries.map { CheckpointEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
            scalars = [:]
            metadata = f.metadata
        case let .torch(a):
            format = a.format
            entries = a.tensors.map { CheckpointEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
            scalars = a.scalars
            metadata = [:]
        }
        // Names are unique in both sources (checked when the archive is read); keep the first regardless.
        index = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Tensor names, in `entries` order.
    public var names: [String] { entries.map(\.name) }

    /// The entry called `name`, or nil.
    public func entry(_ name: String) -> CheckpointEntry? { index[name].map { entries[$0] } }

    /// The tensor `name`, upcast to float32 (integer tensors are converted too).
    public func tensor(_ name: String) throws -> Tensor {
        switch source {
        case let .safetensors(f):
            return try f.tensor(name)
        case let .torch(a):
            guard let t = a.tensor(named: name) else { throw CheckpointError.missingTensor(path: path, name: name) }
            return Tensor(shape: t.shape, data: try a.floats(t))
        }
    }

    /// The integer tensor `name` (int64/int32/int16/int8/uint8/bool) with its values exact.
    public func integers(_ name: String) throws -> (shape: [Int], values: [Int]) {
        switch source {
        case let .safetensors(f):
            return try f.integers(name)
        case let .torch(a):
            guard let t = a.tensor(named: name) else { throw CheckpointError.missingTensor(path: path, name: name) }
            return (t.shape, try a.integers(t))
        }
    }
}
