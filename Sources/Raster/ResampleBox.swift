/// The source region a resize maps onto the output (Pillow's `box` argument of `Image.resize`):
/// left, upper, right, lower edges in input pixels, fractions allowed. Stored as `Float` because
/// Pillow holds the box in C floats, and the scale factor is computed from their float difference.
public struct ResampleBox: Sendable, Equatable {
    /// Left edge.
    public var x0: Float
    /// Upper edge.
    public var y0: Float
    /// Right edge (exclusive).
    public var x1: Float
    /// Lower edge (exclusive).
    public var y1: Float

    /// A box with the given edges.
    public init(x0: Float, y0: Float, x1: Float, y1: Float) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    /// The whole of a `width`×`height` image.
    public static func whole(width: Int, height: Int) -> ResampleBox {
        ResampleBox(x0: 0, y0: 0, x1: Float(width), y1: Float(height))
    }

    /// Pillow's checks: inside the image and not empty.
    func validate(width: Int, height: Int) throws {
        guard x0 >= 0, y0 >= 0 else { throw RasterError.invalidSize(reason: "box offset can't be negative") }
        guard x1 <= Float(width), y1 <= Float(height) else {
            throw RasterError.invalidSize(reason: "box can't exceed the \(width)×\(height) image")
        }
        guard x1 > x0, y1 > y0 else { throw RasterError.invalidSize(reason: "box can't be empty") }
    }
}
