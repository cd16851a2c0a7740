/// A fixed-bin histogram of map values over [lo, hi], for quantiles over millions of normal
/// pixels without keeping them all (500 slices of 240² pixels would be 115 MB of floats).
///
/// Values below `lo` count in the first bin, above `hi` in the last; NaN is counted apart.
/// Quantiles are reported as a bin's **upper edge**, so a threshold read from it errs towards
/// fewer flagged normal pixels, by at most one bin width ((hi − lo) / bins).
public struct ValueHistogram: Sendable, Equatable, Codable {
    public let lo: Float
    public let hi: Float
    public private(set) var counts: [Int64]
    public private(set) var total: Int64 = 0
    public private(set) var nanCount: Int64 = 0
    /// The smallest and largest finite values seen.
    public private(set) var minimum: Float = .infinity
    public private(set) var maximum: Float = -.infinity

    /// An empty histogram; `bins` ≥ 1 and lo < hi, both finite.
    public init(lo: Float, hi: Float, bins: Int = 65536) throws {
        guard lo.isFinite, hi.isFinite, lo < hi, bins >= 1 else {
            throw MedVMADError.invalidInput(reason: "histogram needs finite lo < hi and at least one bin, got [\(lo), \(hi)] with \(bins) bins")
        }
        self.lo = lo
        self.hi = hi
        counts = [Int64](repeating: 0, count: bins)
    }

    public var binWidth: Float { (hi - lo) / Float(counts.count) }

    /// Adds every value of `values`.
    public mutating func add(_ values: [Float]) {
        let bins = counts.count
        let scale = Float(bins) / (hi - lo), lo = self.lo
        var mn = minimum, mx = maximum, nans: Int64 = 0
        values.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { c in
                for v in src {
                    guard !v.isNaN else { nans += 1; continue }
                    mn = min(mn, v)
                    mx = max(mx, v)
                    let b = Int(max(0, min(Float(bins - 1), ((v - lo) * scale).rounded(.down))))
                    c[b] += 1
                }
            }
        }
        minimum = mn
        maximum = mx
        nanCount += nans
        total += Int64(values.count) - nans
    }

    /// The smallest bin upper edge u with at least fraction q of the counted values in bins up to
    /// u (so at most 1 − q of them lie above u, up to values sharing u's bin). Capped at the
    /// largest value seen, so a quantile never exceeds the data.
    public func quantile(_ q: Double) -> Float {
        guard total > 0 else { return .nan }
        let need = Int64((min(1, max(0, q)) * Double(total)).rounded(.up))
        var cum: Int64 = 0
        for (b, c) in counts.enumerated() {
            cum += c
            if cum >= max(1, need) { return min(maximum, lo + Float(b + 1) * binWidth) }
        }
        return maximum
    }

    /// Fraction of counted values strictly above `value`, counting whole bins whose lower edge is ≥ value.
    public func fractionAbove(_ value: Float) -> Double {
        guard total > 0 else { return .nan }
        var above: Int64 = 0
        for (b, c) in counts.enumerated() where lo + Float(b) * binWidth >= value { above += c }
        return Double(above) / Double(total)
    }
}
