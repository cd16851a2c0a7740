/// PRO and FPR at each threshold of the AUPRO grid, and the areas the reference codes compute from them.
public struct PROCurve: Sendable, Equatable {
    /// The thresholds tᵢ, increasing.
    public let thresholds: [Double]
    /// Mean per-region overlap at each threshold; empty when the masks hold no region.
    public let pro: [Double]
    /// False-positive rate at each threshold (non-increasing); empty when there is no normal pixel.
    public let fpr: [Double]
    /// Connected ground-truth regions over all images.
    public let regionCount: Int
    public let normalPixelCount: UInt64

    /// AUPRO as MedVMAD/AnomalyCLIP compute it: keep thresholds with FPR < `fprLimit` (strict),
    /// rescale the kept FPRs min–max to [0, 1], trapezoidal area of PRO over them (scikit-learn `auc`,
    /// which accepts the decreasing FPR order). This is the number to compare with the MedVMAD paper.
    public func aupro(fprLimit: Double = 0.3) -> MetricResult {
        area(fprLimit: fprLimit) { kept in
            let lo = kept.min()!, hi = kept.max()!
            if hi == lo { return nil }
            return kept.map { ($0 - lo) / (hi - lo) }
        }
    }

    /// AUPRO as BMAD's `compute_pro` computes it (UTRAD, MKD, CS-Flow baselines): the same curve and
    /// cut-off, but the kept FPRs are divided by their maximum instead of rescaled min–max.
    public func auproDividedByMax(fprLimit: Double = 0.3) -> MetricResult {
        area(fprLimit: fprLimit) { kept in
            let hi = kept.max()!
            if hi == 0 { return nil }
            return kept.map { $0 / hi }
        }
    }

    /// Shared cut-off and area; `rescale` returns nil when the kept FPRs cannot be rescaled.
    private func area(fprLimit: Double, rescale: ([Double]) -> [Double]?) -> MetricResult {
        if thresholds.isEmpty { return .undefined(.constantMaps) }
        if regionCount == 0 { return .undefined(.noAnomalousRegions) }
        if normalPixelCount == 0 { return .undefined(.noNormal(.pixels)) }
        let kept = fpr.indices.filter { fpr[$0] < fprLimit }
        if kept.count < 2 { return .undefined(.tooFewCurvePoints(kept: kept.count, fprLimit: fprLimit)) }
        let f = kept.map { fpr[$0] }
        guard let x = rescale(f) else { return .undefined(.flatFalsePositiveRate(f[0])) }
        let y = kept.map { pro[$0] }
        return .value(Self.monotoneArea(x: x, y: y))
    }

    /// scikit-learn `auc`: trapezoidal area, negated when x is non-increasing. FPR falls as the
    /// threshold rises, so x is monotone here by construction.
    static func monotoneArea(x: [Double], y: [Double]) -> Double {
        var sum = 0.0
        var increasing = true, decreasing = true
        for i in 0..<(x.count - 1) {
            let dx = x[i + 1] - x[i]
            if dx < 0 { increasing = false }
            if dx > 0 { decreasing = false }
            sum += dx * (y[i + 1] + y[i]) / 2
        }
        return decreasing && !increasing ? -sum : sum
    }
}
