/// Everything that can go wrong in the Raster module. Every case about a file names the file.
public enum RasterError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or created.
    case unreadable(path: String, reason: String)
    /// The file does not start with the PNG signature.
    case notPNG(path: String)
    /// libpng rejected the file (truncated, bad CRC in a critical chunk, bad zlib stream, ...).
    case corrupt(path: String, reason: String)
    /// The decoded image would be unreasonably large (the reason gives its size and the limit).
    case tooLarge(path: String, reason: String)
    /// Writing failed.
    case unwritable(path: String, reason: String)
    /// Pixel data does not match the stated size and mode.
    case invalidPixels(reason: String)
    /// A resize target is not usable.
    case invalidSize(reason: String)

    /// A message naming the file and the problem.
    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .notPNG(path): return "\(path): not a PNG file (bad signature)"
        case let .corrupt(path, reason): return "\(path): corrupt PNG: \(reason)"
        case let .tooLarge(path, reason): return "\(path): image too large to decode: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        case let .invalidPixels(reason): return "invalid pixel data: \(reason)"
        case let .invalidSize(reason): return "invalid size: \(reason)"
        }
    }
}
