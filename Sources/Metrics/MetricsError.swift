/// Errors of the Metrics module. Image indices count the images given to one accumulator or
/// call, from 0, so that a caller can name the study or slice behind them.
public enum MetricsError: Error, Equatable, CustomStringConvertible {
    /// Scores and labels of different lengths.
    case countMismatch(scores: Int, labels: Int)
    /// A score is NaN; `image` is nil for image-level scores, and `position` is the flat index.
    case notANumber(image: Int?, position: Int)
    /// An image was given a non-positive height or width.
    case invalidShape(image: Int, height: Int, width: Int)
    /// A map or mask does not hold height × width values.
    case sizeMismatch(image: Int, height: Int, width: Int, mapCount: Int, maskCount: Int)
    /// Flat in-memory arrays whose length is not imageCount × height × width.
    case flatSizeMismatch(what: String, expected: Int, found: Int)
    /// A mask value other than 0 or 1 (masks are binarised before evaluation).
    case nonBinaryMask(image: Int, position: Int, value: UInt8)
    /// More samples than the exact counters hold.
    case tooManySamples(limit: UInt64)
    /// The second AUPRO pass saw a value outside the first pass's range: the passes read different maps.
    case outsideFirstPassRange(image: Int, value: Float, minimum: Double, maximum: Double)
    /// The two AUPRO passes saw different numbers of images.
    case passImageCountMismatch(firstPass: Int, secondPass: Int)
    /// An FPR limit outside (0, 1].
    case invalidFPRLimit(Double)

    public var description: String {
        switch self {
        case .countMismatch(let s, let l): return "\(s) scores but \(l) labels"
        case .notANumber(let image, let p):
            if let image { return "image \(image): map value at flat position \(p) is NaN" }
            return "image score \(p) is NaN"
        case .invalidShape(let i, let h, let w): return "image \(i): invalid size \(h)×\(w)"
        case .sizeMismatch(let i, let h, let w, let m, let k):
            return "image \(i): expected \(h)×\(w) = \(h * w) values, map has \(m), mask has \(k)"
        case .flatSizeMismatch(let what, let e, let f): return "\(what): expected \(e) values, found \(f)"
        case .nonBinaryMask(let i, let p, let v): return "image \(i): mask value \(v) at flat position \(p) (expected 0 or 1)"
        case .tooManySamples(let limit): return "more than \(limit) samples"
        case .outsideFirstPassRange(let i, let v, let lo, let hi):
            return "image \(i): value \(v) lies outside the first pass's range [\(lo), \(hi)]"
        case .passImageCountMismatch(let a, let b): return "first pass saw \(a) images, second pass \(b)"
        case .invalidFPRLimit(let l): return "FPR limit \(l) is outside (0, 1]"
        }
    }
}
