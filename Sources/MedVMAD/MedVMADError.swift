/// Errors of the MedVMAD module; every case about a file names it.
public enum MedVMADError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(path: String, reason: String)
    case invalidModel(path: String, reason: String)
    case weightsMismatch(path: String, reason: String)
    case invalidData(path: String, reason: String)
    case invalidInput(reason: String)
    case unsupported(reason: String)
    case ioFailure(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(path, reason): return "\(path): invalid model config: \(reason)"
        case let .invalidModel(path, reason): return "\(path): invalid model folder: \(reason)"
        case let .weightsMismatch(path, reason): return "\(path): CLIP weights do not match the model: \(reason)"
        case let .invalidData(path, reason): return "\(path): \(reason)"
        case let .invalidInput(reason): return "invalid input: \(reason)"
        case let .unsupported(reason): return "unsupported: \(reason)"
        case let .ioFailure(path, reason): return "\(path): \(reason)"
        }
    }
}
