/// A non-tensor value found in a checkpoint (an epoch count, a TorchScript module's
/// `input_resolution`, a learning rate), under its dotted name.
public enum CheckpointScalar: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    /// The value as an integer, when it is one.
    public var intValue: Int? {
        if case let .int(v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .double(v): return String(v)
        case let .bool(v): return String(v)
        case let .string(v): return "\"\(v)\""
        }
    }
}
