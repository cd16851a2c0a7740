/// Errors of the CLIP module. Cases carry the file or tensor involved.
public enum CLIPError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case unexpectedTensors(path: String, names: [String])
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case unknownLayout(path: String, reason: String)
    case invalidInput(reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(path, reason): return "\(path): invalid CLIP config: \(reason)"
        case let .missingTensor(path, name): return "\(path): missing tensor '\(name)'"
        case let .unexpectedTensors(path, names):
            let shown = names.prefix(5).joined(separator: "', '")
            return "\(path): unexpected tensor(s) '\(shown)'\(names.count > 5 ? " and \(names.count - 5) more" : "")"
        case let .shapeMismatch(path, name, expected, found):
            return "\(path): tensor '\(name)' has shape \(found), the config expects \(expected)"
        case let .unknownLayout(path, reason): return "\(path): not a CLIP checkpoint: \(reason)"
        case let .invalidInput(reason): return "invalid input: \(reason)"
        }
    }
}
