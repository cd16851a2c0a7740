/// One axial slice of a real brain volume, ready for lesion synthesis.
public struct BrainSlice: Sendable {
    /// Axial slice index in the source volume (after orientation, see `SliceOrientation`).
    public var index: Int
    /// Side of the square image.
    public var size: Int
    /// size×size grey values, row-major, windowed so that normal tissue stays at or below `BrainSliceSource.tissueCeiling`.
    public var grey: [UInt8]
    /// size×size, 1 inside the brain (holes filled), 0 outside.
    public var brain: [UInt8]
    /// Where lesion support may lie: the brain mask eroded by `BrainSliceSource.Options.margin` pixels.
    public var interior: [UInt8]

    /// Wraps prepared arrays (all size×size).
    public init(index: Int, size: Int, grey: [UInt8], brain: [UInt8], interior: [UInt8]) {
        self.index = index
        self.size = size
        self.grey = grey
        self.brain = brain
        self.interior = interior
    }

    /// Fraction of the image that is brain.
    public var brainFraction: Double {
        Double(brain.reduce(0) { $0 + Int($1) }) / Double(size * size)
    }

    /// The slice mirrored left–right (grey and masks together).
    public func mirrored() -> BrainSlice {
        func flip(_ a: [UInt8]) -> [UInt8] {
            var out = a
            for y in 0..<size {
                for x in 0..<size { out[y * size + x] = a[y * size + size - 1 - x] }
            }
            return out
        }
        return BrainSlice(index: index, size: size, grey: flip(grey), brain: flip(brain), interior: flip(interior))
    }
}
