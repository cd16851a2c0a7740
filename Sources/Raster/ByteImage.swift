/// An 8-bit image: `height` rows of `width` pixels, `mode.channels` interleaved samples each.
///
/// The equivalent of a PIL image in mode "L", "RGB" or "RGBA". Row-major, no padding:
/// sample `c` of pixel (x, y) is `pixels[(y * width + x) * channels + c]`.
public struct ByteImage: Sendable, Equatable {
    /// The pixel layout, named as PIL names it.
    public enum Mode: String, Sendable, CaseIterable {
        /// One grey sample (PIL "L").
        case gray = "L"
        /// Red, green, blue (PIL "RGB").
        case rgb = "RGB"
        /// Red, green, blue, straight (not premultiplied) alpha (PIL "RGBA").
        case rgba = "RGBA"

        /// Samples per pixel.
        public var channels: Int {
            switch self {
            case .gray: return 1
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Channel layout.
    public let mode: Mode
    /// Interleaved samples, `width * height * channels` of them.
    public var pixels: [UInt8]

    /// Samples per pixel.
    public var channels: Int { mode.channels }

    /// Wraps `pixels`; throws when their count does not match the size and mode.
    public init(width: Int, height: Int, mode: Mode, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw RasterError.invalidPixels(reason: "image size \(width)×\(height) is empty")
        }
        guard pixels.count == width * height * mode.channels else {
            throw RasterError.invalidPixels(
                reason: "\(pixels.count) samples for a \(width)×\(height) \(mode.rawValue) image (expected \(width * height * mode.channels))")
        }
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
    }

    /// Internal initialiser for buffers whose size the caller has already established.
    init(uncheckedWidth width: Int, height: Int, mode: Mode, pixels: [UInt8]) {
        assert(pixels.count == width * height * mode.channels)
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
    }

    /// Sample `channel` of pixel (x, y).
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { pixels[(y * width + x) * mode.channels + channel] }
        set { pixels[(y * width + x) * mode.channels + channel] = newValue }
    }
}
