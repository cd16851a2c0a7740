/// The decision on a series or volume from its slices' verdicts.
///
/// Aggregate: the series score is the **maximum slice score** (a lesion on one slice is a finding
/// for the whole series; a mean would dilute it by the number of normal slices), the series is
/// abnormal **iff any slice is flagged**, and the flagged slices are counted and listed.
public struct SeriesVerdict: Codable, Sendable, Equatable {
    /// max over slices of the slice score (−∞ for no slices is not representable in JSON: 0 then).
    public var score: Float
    /// Index of the slice with the highest score, nil without slices.
    public var worstSlice: Int?
    public var sliceCount: Int
    public var flaggedSlices: [Int]
    public var abnormal: Bool
    /// The image threshold and its source.
    public var threshold: DecisionThreshold
    /// The outcome in words, e.g. "no anomaly above threshold 0.830 (calibration on … at specificity 0.95)".
    public var statement: String
    public var slices: [SliceVerdict]

    public var flaggedSliceCount: Int { flaggedSlices.count }

    /// Aggregates slice verdicts that were all made with `threshold`.
    public init(slices: [SliceVerdict], threshold: DecisionThreshold) {
        self.slices = slices
        self.threshold = threshold
        sliceCount = slices.count
        var best: Int? = nil
        for (i, s) in slices.enumerated() where best == nil || s.score > slices[best!].score { best = i }
        worstSlice = best
        score = best.map { slices[$0].score } ?? 0
        flaggedSlices = slices.indices.filter { slices[$0].abnormal }
        abnormal = !flaggedSlices.isEmpty
        statement = SeriesVerdict.statement(score: score, worstSlice: best, sliceCount: slices.count, flagged: flaggedSlices.count,
                                            threshold: threshold)
    }

    static func statement(score: Float, worstSlice: Int?, sliceCount: Int, flagged: Int, threshold: DecisionThreshold) -> String {
        let t = "threshold \(DecisionThreshold.format(threshold.value)) (\(threshold.description))"
        guard sliceCount > 0 else { return "no slices analysed; \(t)" }
        let where_ = sliceCount > 1 ? " in \(flagged) of \(sliceCount) slices, highest on slice \(worstSlice ?? 0)" : ""
        if flagged > 0 {
            return "anomaly: score \(DecisionThreshold.format(score)) above \(t)\(where_)"
        }
        return "no anomaly above \(t); highest score \(DecisionThreshold.format(score))"
    }
}
