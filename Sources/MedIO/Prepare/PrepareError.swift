/// Why a volume could not be turned into model-input slices.
public enum PrepareError: Error, Equatable, CustomStringConvertible {
    /// The window has no width (a constant volume, or an explicit window of width ≤ 0).
    case degenerateWindow(source: String, lower: Double, upper: Double)
    /// Percentile windowing found no nonzero finite voxel.
    case noForeground(source: String)
    /// The header window was asked for but the file suggests none.
    case noHeaderWindow(source: String)
    /// A percentile pair outside 0...100 or not increasing.
    case invalidPercentiles(lower: Double, upper: Double)
    /// A model size below 1.
    case invalidModelSize(Int)
    /// A plugged-in resizer returned the wrong number of pixels.
    case resizerOutputMismatch(expected: Int, got: Int)
    /// Not one model map per prepared slice.
    case mapCountMismatch(expected: Int, got: Int)
    /// A model map of the wrong size given back for a slice.
    case mapSizeMismatch(sliceIndex: Int, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .degenerateWindow(let source, let lower, let upper):
            return "\(source): intensity window \(lower)…\(upper) has no width"
        case .noForeground(let source):
            return "\(source): no nonzero voxel to compute percentiles from"
        case .noHeaderWindow(let source):
            return "\(source): the header suggests no window"
        case .invalidPercentiles(let lower, let upper):
            return "percentiles \(lower)…\(upper) must satisfy 0 ≤ lower < upper ≤ 100"
        case .invalidModelSize(let size):
            return "model input size \(size) must be at least 1"
        case .resizerOutputMismatch(let expected, let got):
            return "the slice resizer returned \(got) pixels, expected \(expected)"
        case .mapCountMismatch(let expected, let got):
            return "\(got) maps given for \(expected) prepared slices"
        case .mapSizeMismatch(let index, let expected, let got):
            return "map for slice \(index) has \(got) values, expected \(expected)"
        }
    }
}
