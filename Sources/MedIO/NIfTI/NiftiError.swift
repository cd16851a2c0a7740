/// Why a NIfTI file could not be read or written. Every case names the file.
public enum NiftiError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case cannotOpen(path: String)
    /// Not a NIfTI-1/NIfTI-2 header, or one nifti_clib rejects.
    case invalidHeader(path: String, reason: String)
    /// A voxel type the reader does not convert (complex, RGB, float128, …).
    case unsupportedDatatype(path: String, code: Int)
    /// The header declares a grid larger than the reader's cap.
    case tooManyVoxels(path: String, declared: [Int], voxels: Int, limit: Int)
    /// The (compressed) file is larger than the reader's cap.
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    /// The gzip stream inflates to more than the reader's cap.
    case inflatedTooLarge(path: String, limit: Int)
    /// Voxel data missing or unreadable: a truncated file or a corrupt gzip stream.
    case unreadableData(path: String, reason: String)
    /// The data to write does not match the grid it is written on.
    case sizeMismatch(path: String, expected: Int, got: Int)
    /// The output file could not be written or renamed into place.
    case writeFailed(path: String, reason: String)
    /// The written file, read back, differs from what was written.
    case readBackMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path):
            return "\(path): cannot open NIfTI file"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid NIfTI header: \(reason)"
        case .unsupportedDatatype(let path, let code):
            return "\(path): unsupported NIfTI datatype \(code)"
        case .tooManyVoxels(let path, let declared, let voxels, let limit):
            return "\(path): header declares dims \(declared) (\(voxels) voxels), more than the limit of \(limit)"
        case .fileTooLarge(let path, let bytes, let limit):
            return "\(path): file is \(bytes) bytes, more than the limit of \(limit)"
        case .inflatedTooLarge(let path, let limit):
            return "\(path): gzip stream inflates to more than the limit of \(limit) bytes"
        case .unreadableData(let path, let reason):
            return "\(path): cannot read voxel data: \(reason)"
        case .sizeMismatch(let path, let expected, let got):
            return "\(path): \(got) values given for a grid of \(expected) voxels"
        case .writeFailed(let path, let reason):
            return "\(path): write failed: \(reason)"
        case .readBackMismatch(let path, let reason):
            return "\(path): written file reads back differently: \(reason)"
        }
    }
}
