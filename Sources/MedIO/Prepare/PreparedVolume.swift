/// A volume cut into model-input slices, with the record of how, so maps can be put back.
public struct PreparedVolume: Sendable {
    public var orientation: SliceOrientation
    public var window: AppliedWindow
    /// Slices given to the model, in increasing index.
    public var slices: [PreparedSlice]
    /// Slices left out by the empty-slice rule, in increasing index.
    public var skipped: [SkippedSlice]
    /// Things the report should show (a window fallback, …).
    public var warnings: [String]

    public init(orientation: SliceOrientation, window: AppliedWindow, slices: [PreparedSlice], skipped: [SkippedSlice],
                warnings: [String]) {
        self.orientation = orientation
        self.window = window
        self.slices = slices
        self.skipped = skipped
        self.warnings = warnings
    }

    /// A model map for one slice (`size` × `size`, row-major) brought back to the slice's native grid:
    /// the content box is cut out and resized bilinearly to width × height (padding is discarded).
    public func sliceMap(_ map: [Float], for slice: PreparedSlice) throws -> [Float] {
        guard map.count == slice.size * slice.size else {
            throw PrepareError.mapSizeMismatch(sliceIndex: slice.index, expected: slice.size * slice.size, got: map.count)
        }
        let box = slice.content
        var cut: [Float] = []
        cut.reserveCapacity(box.width * box.height)
        for r in 0..<box.height {
            let start = (box.y + r) * slice.size + box.x
            cut.append(contentsOf: map[start..<(start + box.width)])
        }
        return BilinearResizer.resize(cut, width: box.width, height: box.height,
                                      newWidth: orientation.width, newHeight: orientation.height)
    }

    /// Model maps for `slices` (same order) placed on the volume grid (x fastest), 0 on skipped slices.
    public func volumeMap(_ maps: [[Float]]) throws -> [Float] {
        guard maps.count == slices.count else { throw PrepareError.mapCountMismatch(expected: slices.count, got: maps.count) }
        var out = [Float](repeating: 0, count: orientation.volumeSize.reduce(1, *))
        for (slice, map) in zip(slices, maps) {
            orientation.scatter(try sliceMap(map, for: slice), slice: slice.index, into: &out)
        }
        return out
    }
}
