/// Errors of the clinical imaging I/O module (DICOM and NIfTI reading and writing).
///
/// Every case about a file names it; series-level problems name the series. Messages never
/// contain patient names or IDs.
public enum MedIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or parsed (missing, truncated, not in the expected format).
    case unreadable(path: String, reason: String)
    /// The file parses but lacks or contradicts required attributes.
    case invalid(path: String, reason: String)
    /// The file is valid but uses a feature this reader does not handle (colour, codec, LUT…).
    case unsupported(path: String, reason: String)
    /// Pixel data could not be decoded (corrupt or truncated compressed stream).
    case decodeFailed(path: String, reason: String)
    /// Declared dimensions exceed the configured limit; refused before allocating.
    case limitExceeded(path: String, reason: String)
    /// A series cannot be assembled into one volume (mixed sizes, duplicate positions, …).
    case geometry(series: String, reason: String)
    /// A folder or selection yielded nothing usable.
    case nothingFound(path: String, reason: String)
    /// Writing an output failed.
    case writeFailed(path: String, reason: String)
    /// The imaging toolkit itself is not usable (e.g. DCMTK's data dictionary is missing).
    case environment(reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): unreadable: \(reason)"
        case let .invalid(path, reason): return "\(path): invalid: \(reason)"
        case let .unsupported(path, reason): return "\(path): unsupported: \(reason)"
        case let .decodeFailed(path, reason): return "\(path): decoding failed: \(reason)"
        case let .limitExceeded(path, reason): return "\(path): too large: \(reason)"
        case let .geometry(series, reason): return "series \(series): \(reason)"
        case let .nothingFound(path, reason): return "\(path): \(reason)"
        case let .writeFailed(path, reason): return "\(path): write failed: \(reason)"
        case let .environment(reason): return "environment: \(reason)"
        }
    }
}
