/// Where the resized slice sits inside the square model input; the rest is padding.
///
/// Placement: the slice is scaled so its longer physical side fills the model size, the other side
/// keeps the physical aspect ratio (rounded to whole pixels), and the result is centred, with the
/// odd pixel of padding (if any) at the right or bottom. Padding is grey 0 (black).
public struct ContentBox: Sendable, Codable, Equatable {
    /// Left column of the content in the model image.
    public var x: Int
    /// Top row of the content in the model image.
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The box for a slice of `width` × `height` pixels with the given spacings, in a square of `size`.
    public static func fitting(width: Int, height: Int, columnSpacing: Double, rowSpacing: Double, size: Int) -> ContentBox {
        let physicalWidth = Double(width) * columnSpacing
        let physicalHeight = Double(height) * rowSpacing
        let scale = Double(size) / max(physicalWidth, physicalHeight)
        let w = min(size, max(1, Int((physicalWidth * scale).rounded())))
        let h = min(size, max(1, Int((physicalHeight * scale).rounded())))
        return ContentBox(x: (size - w) / 2, y: (size - h) / 2, width: w, height: h)
    }
}
