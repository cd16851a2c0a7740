/// One slice as model input, with what is needed to put the model's map back on the volume.
public struct PreparedSlice: Sendable {
    /// Index of the slice along `SliceOrientation.sliceAxis` of the volume.
    public var index: Int
    /// Model input: `size` × `size` grey pixels, row-major, padding 0.
    public var image: [UInt8]
    /// Side of the square model input.
    public var size: Int
    /// Where the slice sits in `image`.
    public var content: ContentBox
    /// The slice's own 2-D geometry at its native resolution (before resizing).
    public var geometry: SliceGeometry
    /// Fraction of pixels that passed the empty-slice rule's grey level (for the report).
    public var foregroundFraction: Double

    public init(index: Int, image: [UInt8], size: Int, content: ContentBox, geometry: SliceGeometry,
                foregroundFraction: Double) {
        self.index = index
        self.image = image
        self.size = size
        self.content = content
        self.geometry = geometry
        self.foregroundFraction = foregroundFraction
    }
}

/// A slice left out as background only, with the fraction that decided it.
public struct SkippedSlice: Sendable, Codable, Equatable {
    public var index: Int
    public var foregroundFraction: Double

    public init(index: Int, foregroundFraction: Double) {
        self.index = index
        self.foregroundFraction = foregroundFraction
    }
}
