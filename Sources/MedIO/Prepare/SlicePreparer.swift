import Foundation

/// Turns a volume into square 8-bit model-input slices: orient, window, skip empty slices, resize, pad.
public struct SlicePreparer: Sendable {
    public struct Options: Sendable, Equatable {
        /// Plane to slice in (axial by default).
        public var plane: SliceAxis
        public var window: IntensityWindow
        /// Side of the square model input (336 for ViT-L/14@336).
        public var modelSize: Int
        /// When set, background-only slices are skipped and reported; nil keeps every slice.
        public var skipEmpty: EmptySliceRule?

        public init(plane: SliceAxis = .axial, window: IntensityWindow = .automatic, modelSize: Int = 336,
                    skipEmpty: EmptySliceRule? = nil) {
            self.plane = plane
            self.window = window
            self.modelSize = modelSize
            self.skipEmpty = skipEmpty
        }
    }

    public var options: Options
    public var resizer: any SliceResizer

    public init(options: Options = Options(), resizer: any SliceResizer = BilinearResizer()) {
        self.options = options
        self.resizer = resizer
    }

    /// Cuts `volume` into model-input slices along `options.plane`, in increasing slice index.
    ///
    /// Each slice is oriented for display (see `SliceOrientation`), windowed to 8-bit grey with one window
    /// for the whole volume, tested against the empty-slice rule when one is set, resized by `resizer`
    /// to fit the model size with its physical aspect ratio, and padded (see `ContentBox`).
    public func prepare(_ volume: Volume) throws -> PreparedVolume {
        guard options.modelSize >= 1 else { throw PrepareError.invalidModelSize(options.modelSize) }
        var warnings: [String] = []
        let window = try Self.resolve(options.window, for: volume, warnings: &warnings)
        let orientation = SliceOrientation(plane: options.plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
        var slices: [PreparedSlice] = []
        var skipped: [SkippedSlice] = []
        let size = options.modelSize
        for k in 0..<orientation.sliceCount {
            let grey = window.grey(orientation.extract(volume.voxels, slice: k))
            let rule = options.skipEmpty ?? EmptySliceRule()
            let fraction = rule.foregroundFraction(grey)
            if let skip = options.skipEmpty, fraction < skip.minimumFraction {
                skipped.append(SkippedSlice(index: k, foregroundFraction: fraction))
                continue
            }
            let geometry = orientation.geometry(slice: k, indexToPatient: volume.indexToPatient)
            let box = ContentBox.fitting(width: orientation.width, height: orientation.height,
                                         columnSpacing: geometry.columnSpacing, rowSpacing: geometry.rowSpacing, size: size)
            let resized = resizer.resize(grey, width: orientation.width, height: orientation.height,
                                         newWidth: box.width, newHeight: box.height)
            guard resized.count == box.width * box.height else {
                throw PrepareError.resizerOutputMismatch(expected: box.width * box.height, got: resized.count)
            }
            var image = [UInt8](repeating: 0, count: size * size)
            image.withUnsafeMutableBufferPointer { dst in
                resized.withUnsafeBufferPointer { src in
                    for r in 0..<box.height {
                        let row = UnsafeMutableBufferPointer(rebasing: dst[((box.y + r) * size + box.x)...])
                        _ = row.update(fromContentsOf: src[(r * box.width)..<((r + 1) * box.width)])
                    }
                }
            }
            slices.append(PreparedSlice(index: k, image: image, size: size, content: box, geometry: geometry,
                                        foregroundFraction: fraction))
        }
        return PreparedVolume(orientation: orientation, window: window, slices: slices, skipped: skipped, warnings: warnings)
    }

    /// Resolves a window policy for a volume (see `IntensityWindow` for the automatic rule).
    public static func resolve(_ policy: IntensityWindow, for volume: Volume, warnings: inout [String]) throws -> AppliedWindow {
        let source = Self.name(of: volume)
        let applied: AppliedWindow
        switch policy {
        case .automatic:
            switch volume.modality.uppercased() {
            case "CT":
                return try resolve(.ct(.liver), for: volume, warnings: &warnings)
            case "MG":
                if volume.suggestedWindow != nil { return try resolve(.header, for: volume, warnings: &warnings) }
                warnings.append("\(source): MG volume without a header window; using percentiles 0.5–99.5 of nonzero voxels")
                return try resolve(.mrDefault, for: volume, warnings: &warnings)
            default:
                return try resolve(.mrDefault, for: volume, warnings: &warnings)
            }
        case .percentiles(let lower, let upper):
            guard 0 <= lower, lower < upper, upper <= 100 else { throw PrepareError.invalidPercentiles(lower: lower, upper: upper) }
            let values = sortedForeground(volume.voxels)
            guard !values.isEmpty else { throw PrepareError.noForeground(source: source) }
            applied = AppliedWindow(policy: "percentiles \(lower)–\(upper) of nonzero voxels",
                                    lower: percentile(values, lower), upper: percentile(values, upper))
        case .ct(let preset):
            applied = AppliedWindow(policy: "CT preset \(preset.rawValue)", lower: preset.range.lower, upper: preset.range.upper)
        case .header:
            guard let w = volume.suggestedWindow else { throw PrepareError.noHeaderWindow(source: source) }
            applied = AppliedWindow(policy: "header window", lower: w.center - w.width / 2, upper: w.center + w.width / 2)
        case .explicit(let w):
            applied = AppliedWindow(policy: "explicit window", lower: w.center - w.width / 2, upper: w.center + w.width / 2)
        }
        guard applied.upper > applied.lower, applied.lower.isFinite, applied.upper.isFinite else {
            throw PrepareError.degenerateWindow(source: source, lower: applied.lower, upper: applied.upper)
        }
        return applied
    }

    /// Nonzero finite voxels in increasing order. Sorted by the C library's qsort: it runs at full speed
    /// even in debug builds, where Swift's generic sort takes seconds for a million voxels.
    static func sortedForeground(_ voxels: [Float]) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(voxels.count)
        voxels.withUnsafeBufferPointer { src in
            for v in src where v != 0 && v.isFinite { values.append(v) }
        }
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            qsort(base, buffer.count, MemoryLayout<Float>.stride) { a, b in
                let x = a!.load(as: Float.self), y = b!.load(as: Float.self)
                return x < y ? -1 : (x > y ? 1 : 0)
            }
        }
        return values
    }

    /// The `p`-th percentile of sorted values, linear between order statistics (numpy's default).
    static func percentile(_ sorted: [Float], _ p: Double) -> Double {
        let position = p / 100 * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        let a = Double(sorted[lower]), b = Double(sorted[upper])
        return a + (b - a) * fraction
    }

    /// A name for messages: the file or series the volume came from.
    static func name(of volume: Volume) -> String {
        switch volume.source {
        case .nifti(let reference): return reference.path
        case .dicom(let reference): return "series \(reference.seriesInstanceUID)"
        }
    }
}
