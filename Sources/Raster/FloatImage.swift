/// A single-channel 32-bit float image (PIL mode "F"), used for maps and masks.
///
/// Row-major, no padding: the value at (x, y) is `values[y * width + x]`.
public struct FloatImage: Sendable, Equatable {
    /// Values per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width * height` values.
    public var values: [Float]

    /// Wraps `values`; throws when their count does not match the size.
    public init(width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0 else {
            throw RasterError.invalidPixels(reason: "image size \(width)×\(height) is empty")
        }
        guard values.count == width * height else {
            throw RasterError.invalidPixels(reason: "\(values.count) values for a \(width)×\(height) float image")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// Internal initialiser for buffers whose size the caller has already established.
    init(uncheckedWidth width: Int, height: Int, values: [Float]) {
        assert(values.count == width * height)
        self.width = width
        self.height = height
        self.values = values
    }

    /// The grey samples of an 8-bit image as floats (PIL's `convert("F")`; colour images are
    /// converted to grey first, as PIL does).
    public init(_ image: ByteImage) {
        let gray = image.converted(to: .gray)
        self.init(uncheckedWidth: gray.width, height: gray.height, values: gray.pixels.map { Float($0) })
    }

    /// The value at (x, y).
    public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }
}
