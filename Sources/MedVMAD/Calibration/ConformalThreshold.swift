import Foundation

/// The image-score threshold at a requested specificity, from a sample of normal scores.
///
/// Rule (distribution-free, the split-conformal order statistic): with n normal scores sorted
/// ascending s₍₁₎ ≤ … ≤ s₍ₙ₎ and specificity p, take k = ⌈p·(n + 1)⌉ and threshold t = s₍ₖ₎; a
/// score is called abnormal iff it is **strictly above** t. For a new normal image exchangeable
/// with the sample, P(score > t) ≤ 1 − k/(n + 1) ≤ 1 − p, so the expected false-positive rate is
/// at most 1 − p whatever the score distribution (equal to (n + 1 − k)/(n + 1) for continuous scores).
/// When k > n (fewer than p/(1 − p) normals, e.g. n < 19 at p = 0.95) no order statistic gives that
/// guarantee: t = s₍ₙ₎ is used and `guaranteed` is false, so reports can say so.
public enum ConformalThreshold {
    /// A threshold with how it was obtained.
    public struct Result: Sendable, Equatable, Codable {
        /// The threshold t (abnormal iff score > t).
        public var value: Float
        /// k, the 1-based order statistic used.
        public var orderStatistic: Int
        /// n, the number of normal scores.
        public var sampleSize: Int
        /// The specificity asked for.
        public var specificity: Double
        /// Whether k ≤ n, i.e. the expected false-positive rate bound 1 − p holds.
        public var guaranteed: Bool
        /// Fraction of the sample at or below t (the specificity seen on the calibration data itself).
        public var sampleSpecificity: Double
    }

    /// The threshold for `scores` at `specificity` ∈ (0, 1). Non-finite scores are an error
    /// (a NaN would silently sort anywhere).
    public static func threshold(normalScores scores: [Float], specificity: Double) throws -> Result {
        guard specificity > 0, specificity < 1 else {
            throw MedVMADError.invalidInput(reason: "specificity must be in (0, 1), got \(specificity)")
        }
        guard !scores.isEmpty else { throw MedVMADError.invalidInput(reason: "no normal scores to calibrate on") }
        guard scores.allSatisfy(\.isFinite) else { throw MedVMADError.invalidInput(reason: "normal scores contain NaN or infinity") }
        let sorted = scores.sorted()
        let n = sorted.count
        let k = Int((specificity * Double(n + 1)).rounded(.up))
        let index = min(k, n) - 1
        let t = sorted[index]
        let atOrBelow = upperBound(sorted, t)
        return Result(value: t, orderStatistic: min(k, n), sampleSize: n, specificity: specificity, guaranteed: k <= n,
                      sampleSpecificity: Double(atOrBelow) / Double(n))
    }

    /// The q-quantile (q ∈ [0, 1]) of ascending `sorted` by linear interpolation between order
    /// statistics (Hyndman–Fan type 7, NumPy's default), for describing a distribution.
    public static func quantile(sorted: [Float], _ q: Double) -> Float {
        guard let first = sorted.first else { return .nan }
        guard sorted.count > 1 else { return first }
        let h = Double(sorted.count - 1) * min(1, max(0, q))
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let f = Float(h - Double(lo))
        return sorted[lo] + f * (sorted[hi] - sorted[lo])
    }

    /// Number of elements ≤ value in ascending `sorted`.
    static func upperBound(_ sorted: [Float], _ value: Float) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
