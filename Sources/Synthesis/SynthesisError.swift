/// Why synthetic data could not be made. Every case about a file or folder names it.
public enum SynthesisError: Error, Equatable, CustomStringConvertible {
    /// A parameter is out of range (counts, sizes, fractions).
    case invalidParameter(name: String, reason: String)
    /// The source volume has too few usable slices for the requested splits.
    case notEnoughSlices(path: String, usable: Int, reason: String)
    /// No place inside the brain could hold a lesion on this slice.
    case noLesionPlacement(path: String, slice: Int)
    /// Reading the source volume failed.
    case sourceUnreadable(path: String, reason: String)
    /// Creating a folder or writing a file failed.
    case writeFailed(path: String, reason: String)

    /// A one-line message naming the file or parameter.
    public var description: String {
        switch self {
        case let .invalidParameter(name, reason): return "invalid \(name): \(reason)"
        case let .notEnoughSlices(path, usable, reason): return "\(path): only \(usable) usable slices: \(reason)"
        case let .noLesionPlacement(path, slice): return "\(path): no room for a lesion inside the brain on slice \(slice)"
        case let .sourceUnreadable(path, reason): return "\(path): cannot read the source volume: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
