import Foundation
import MedIO

/// Cuts a real, normal, skull-stripped brain volume into square axial slices with brain masks.
///
/// Slices go through MedIO's `SlicePreparer` (radiological orientation, one percentile window for
/// the whole volume, bilinear resize keeping the physical aspect, zero padding). The brain mask is
/// the volume's nonzero voxels cut and resized the same way (threshold at half), with holes filled:
/// the volume must be skull-stripped (zero outside the brain), as `ch2bet` is; for a volume with
/// skull the mask is the whole head.
public struct BrainSliceSource: Sendable {
    /// How slices are cut and which are kept.
    public struct Options: Sendable, Equatable {
        /// Side of the square slices (BraTS slices in BMAD are 240).
        public var size: Int
        /// Slices whose brain covers less than this fraction of the image are skipped as near-empty.
        public var minimumBrainFraction: Double
        /// Lesion support keeps this many pixels away from the brain edge.
        public var margin: Int

        /// Defaults suit BraTS-like 240-pixel slices.
        public init(size: Int = 240, minimumBrainFraction: Double = 0.12, margin: Int = 3) {
            self.size = size
            self.minimumBrainFraction = minimumBrainFraction
            self.margin = margin
        }
    }

    /// Normal tissue is windowed to 0…tissueCeiling (not 0…255) so that synthetic lesions can be
    /// brighter than any normal tissue, as lesions are on FLAIR; the T1 source has bright white matter.
    public static let tissueCeiling = 170

    /// Source file, for messages and names.
    public var path: String
    /// File name without `.nii` / `.nii.gz`, used in output names.
    public var name: String
    /// Usable slices in increasing index.
    public var slices: [BrainSlice]
    /// Axial slices in the volume, usable or not.
    public var totalSlices: Int

    /// Reads `path` (NIfTI) and prepares its usable axial slices.
    public init(path: String, options: Options = Options()) throws {
        let volume: Volume
        do {
            volume = try NiftiReader().read(path: path, modality: "MR")
        } catch {
            throw SynthesisError.sourceUnreadable(path: path, reason: "\(error)")
        }
        try self.init(volume: volume, path: path, options: options)
    }

    /// Prepares the usable axial slices of `volume`; `path` is only used in names and messages.
    public init(volume: Volume, path: String, options: Options = Options()) throws {
        guard options.size >= 32 else { throw SynthesisError.invalidParameter(name: "size", reason: "\(options.size) < 32") }
        guard options.margin >= 0 else { throw SynthesisError.invalidParameter(name: "margin", reason: "negative") }
        self.path = path
        var base = (path as NSString).lastPathComponent
        for suffix in [".gz", ".nii"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        name = base
        let greyPrep = SlicePreparer(options: .init(plane: .axial, window: .mrDefault, modelSize: options.size))
        var binary = volume
        binary.voxels = volume.voxels.map { $0 != 0 && $0.isFinite ? 1 : 0 }
        let maskPrep = SlicePreparer(options: .init(plane: .axial, window: .explicit(Window(center: 0.5, width: 1)),
                                                    modelSize: options.size))
        let greySlices: PreparedVolume
        let maskSlices: PreparedVolume
        do {
            greySlices = try greyPrep.prepare(volume)
            maskSlices = try maskPrep.prepare(binary)
        } catch {
            throw SynthesisError.sourceUnreadable(path: path, reason: "\(error)")
        }
        totalSlices = greySlices.orientation.sliceCount
        var kept: [BrainSlice] = []
        let n = options.size
        for (g, m) in zip(greySlices.slices, maskSlices.slices) {
            var brain = m.image.map { $0 >= 128 ? UInt8(1) : 0 }
            Self.fillHoles(&brain, size: n)
            let slice = BrainSlice(index: g.index, size: n, grey: Self.compress(g.image, brain: brain), brain: brain,
                                   interior: Self.erode(brain, size: n, radius: options.margin))
            if slice.brainFraction >= options.minimumBrainFraction { kept.append(slice) }
        }
        slices = kept
    }

    /// Maps 0…255 to 0…tissueCeiling (rounded), and zeroes everything outside the brain.
    static func compress(_ grey: [UInt8], brain: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: grey.count)
        for i in grey.indices where brain[i] != 0 {
            out[i] = UInt8((Double(grey[i]) * Double(tissueCeiling) / 255).rounded())
        }
        return out
    }

    /// Sets to 1 every 0-pixel not 4-connected to the image border (ventricles, sulci enclosed by brain).
    static func fillHoles(_ mask: inout [UInt8], size n: Int) {
        var outside = [Bool](repeating: false, count: n * n)
        var stack: [Int] = []
        stack.reserveCapacity(n * n)
        mask.withUnsafeMutableBufferPointer { m in
            outside.withUnsafeMutableBufferPointer { o in
                func visit(_ q: Int) {
                    if m[q] == 0 && !o[q] {
                        o[q] = true
                        stack.append(q)
                    }
                }
                for i in 0..<n {
                    visit(i)
                    visit((n - 1) * n + i)
                    visit(i * n)
                    visit(i * n + n - 1)
                }
                while let p = stack.popLast() {
                    let x = p % n, y = p / n
                    if x > 0 { visit(p - 1) }
                    if x < n - 1 { visit(p + 1) }
                    if y > 0 { visit(p - n) }
                    if y < n - 1 { visit(p + n) }
                }
                for i in 0..<(n * n) where !o[i] { m[i] = 1 }
            }
        }
    }

    /// Erodes by a disc of `radius` pixels: clears every pixel within the disc around each edge pixel
    /// (a mask pixel with a 4-neighbour outside the mask or the image). Cost grows with the edge, not the area.
    static func erode(_ mask: [UInt8], size n: Int, radius: Int) -> [UInt8] {
        guard radius > 0 else { return mask }
        var offsets: [(Int, Int)] = []
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius { offsets.append((dx, dy)) }
        }
        var out = mask
        for y in 0..<n {
            for x in 0..<n where mask[y * n + x] != 0 {
                let edge = x == 0 || y == 0 || x == n - 1 || y == n - 1 || mask[y * n + x - 1] == 0
                    || mask[y * n + x + 1] == 0 || mask[(y - 1) * n + x] == 0 || mask[(y + 1) * n + x] == 0
                guard edge else { continue }
                for (dx, dy) in offsets {
                    let nx = x + dx, ny = y + dy
                    if nx >= 0 && ny >= 0 && nx < n && ny < n { out[ny * n + nx] = 0 }
                }
            }
        }
        return out
    }
}
