/// Why writing a derived DICOM object (Secondary Capture, overlay copy, Segmentation) failed.
///
/// Every case names the file it is about: the source that could not be used, or the output
/// that could not be written. Nothing is left at an output path when writing fails.
public enum DicomWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source could not be loaded as DICOM.
    case sourceUnreadable(path: String, reason: String)
    /// The source lacks an attribute the output needs (UIDs, size, geometry).
    case sourceMissingAttribute(path: String, reason: String)
    /// The source is valid but this writer cannot derive from it (multi-frame copy, undecodable pixels).
    case unsupportedSource(path: String, reason: String)
    /// The caller's data is inconsistent (sizes, geometry, mixed studies, UIDs); `path` is the
    /// source or output concerned.
    case invalidInput(path: String, reason: String)
    /// DCMTK refused to assemble the object.
    case buildFailed(path: String, reason: String)
    /// Saving or renaming the output failed.
    case writeFailed(path: String, reason: String)
    /// The written file did not load back with the SOP class, size and pixel data written.
    case readBackFailed(path: String, reason: String)
    /// A UID root is not a valid UID prefix or leaves too little room for unique suffixes.
    case invalidUIDRoot(root: String, reason: String)

    public var description: String {
        switch self {
        case let .sourceUnreadable(path, reason): return "\(path): unreadable DICOM source: \(reason)"
        case let .sourceMissingAttribute(path, reason): return "\(path): \(reason)"
        case let .unsupportedSource(path, reason): return "\(path): unsupported source: \(reason)"
        case let .invalidInput(path, reason): return "\(path): invalid input: \(reason)"
        case let .buildFailed(path, reason): return "\(path): cannot build DICOM object: \(reason)"
        case let .writeFailed(path, reason): return "\(path): write failed: \(reason)"
        case let .readBackFailed(path, reason): return "\(path): read-back check failed: \(reason)"
        case let .invalidUIDRoot(root, reason): return "UID root '\(root)': \(reason)"
        }
    }
}
