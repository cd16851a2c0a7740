/// Everything that can go wrong while reading or writing a checkpoint. Every case names the file.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case missingTensor(path: String, name: String)
    case unexpectedTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case forbiddenGlobal(path: String, global: String)
    case unsupportedFormat(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// A safety limit (decompressed size, pickle memo, stack depth, object count, nesting) was hit.
    case resourceLimit(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .corrupt(path, reason): return "\(path): corrupt checkpoint: \(reason)"
        case let .unsupportedDType(path, tensor, dtype): return "\(path): tensor '\(tensor)' has unsupported dtype \(dtype)"
        case let .missingTensor(path, name): return "\(path): missing tensor '\(name)'"
        case let .unexpectedTensor(path, name): return "\(path): unexpected tensor '\(name)'"
        case let .shapeMismatch(path, name, expected, found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        case let .forbiddenGlobal(path, global):
            return "\(path): pickle refers to '\(global)', which is not allowed (nothing was executed)"
        case let .unsupportedFormat(path, reason): return "\(path): unsupported checkpoint format: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        case let .resourceLimit(path, reason): return "\(path): refused: \(reason)"
        }
    }
}
