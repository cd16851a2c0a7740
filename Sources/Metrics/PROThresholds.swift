/// The AUPRO threshold grid of the MedVMAD/AnomalyCLIP evaluation: `numpy.arange(min, max, δ)` with
/// δ = (max − min) / steps, reproduced value for value.
///
/// numpy builds the grid as: length = ⌈(max − min) / δ⌉ (in float64, so rounding can give
/// steps + 1 values, e.g. 201 instead of 200), t₀ = min, t₁ = min + δ, and tᵢ = min + i·δ′ for
/// i ≥ 2 with δ′ = t₁ − t₀ (the rounded step, not δ itself). The thresholds therefore differ from
/// min + i·δ in the last bits, which decides `map > t` for values lying on a grid point.
public struct PROThresholds: Sendable, Equatable {
    /// Strictly increasing thresholds; empty when max ≤ min (constant maps).
    public let values: [Double]
    public let minimum: Double
    public let maximum: Double
    /// Images seen by the first pass, when the grid came from one; the second pass must see as many.
    public let firstPassImageCount: Int?

    /// The grid over [minimum, maximum) in `steps` steps (200 in the reference).
    public init(minimum: Double, maximum: Double, steps: Int = 200) {
        self.init(minimum: minimum, maximum: maximum, steps: steps, firstPassImageCount: nil)
    }

    /// The grid over the range a first pass found.
    public init(range: ScoreRange, steps: Int = 200) {
        if range.isEmpty {
            self.init(minimum: 0, maximum: 0, steps: steps, firstPassImageCount: range.imageCount)
        } else {
            self.init(minimum: Double(range.minimum), maximum: Double(range.maximum), steps: steps, firstPassImageCount: range.imageCount)
        }
    }

    private init(minimum: Double, maximum: Double, steps: Int, firstPassImageCount: Int?) {
        self.minimum = minimum
        self.maximum = maximum
        self.firstPassImageCount = firstPassImageCount
        let delta = (maximum - minimum) / Double(steps)
        guard steps > 0, maximum > minimum, delta > 0, delta.isFinite else {
            values = []
            return
        }
        let length = Int(((maximum - minimum) / delta).rounded(.up))
        var v = [Double](repeating: minimum, count: length)
        if length > 1 { v[1] = minimum + delta }
        let step = length > 1 ? v[1] - v[0] : delta
        if length > 2 { for i in 2..<length { v[i] = minimum + Double(i) * step } }
        values = v
    }
}
