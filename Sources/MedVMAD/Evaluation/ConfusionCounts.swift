/// Image verdicts at one threshold against the labels: the confusion counts and the four ratios
/// a radiology team reads (sensitivity, specificity, PPV, NPV).
///
/// An image is called abnormal iff its score is **strictly above** the threshold, the rule every
/// verdict of the project uses (`ConformalThreshold`, `DecisionPolicy`). A ratio whose denominator
/// is zero has no value; it is reported as undefined with the reason, never as NaN.
public struct ConfusionCounts: Codable, Sendable, Equatable {
    /// Abnormal images called abnormal.
    public var tp: Int
    /// Normal images called abnormal.
    public var fp: Int
    /// Normal images called normal.
    public var tn: Int
    /// Abnormal images called normal.
    public var fn: Int

    public init(tp: Int, fp: Int, tn: Int, fn: Int) {
        self.tp = tp
        self.fp = fp
        self.tn = tn
        self.fn = fn
    }

    /// Counts the verdicts of `scores` (label 1 = abnormal, anything else normal) at `threshold`.
    public init(scores: [Float], labels: [Int], threshold: Float) throws {
        guard scores.count == labels.count else {
            throw MedVMADError.invalidInput(reason: "\(scores.count) scores for \(labels.count) labels")
        }
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (s, l) in zip(scores, labels) {
            let called = s > threshold
            switch (l == 1, called) {
            case (true, true): tp += 1
            case (true, false): fn += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            }
        }
        self.init(tp: tp, fp: fp, tn: tn, fn: fn)
    }

    /// TP / (TP + FN): the share of abnormal images called abnormal.
    public var sensitivity: ReportedMetric { Self.ratio(tp, tp + fn, "no abnormal images") }
    /// TN / (TN + FP): the share of normal images called normal.
    public var specificity: ReportedMetric { Self.ratio(tn, tn + fp, "no normal images") }
    /// TP / (TP + FP): the share of images called abnormal that are.
    public var ppv: ReportedMetric { Self.ratio(tp, tp + fp, "no image scored above the threshold") }
    /// TN / (TN + FN): the share of images called normal that are.
    public var npv: ReportedMetric { Self.ratio(tn, tn + fn, "no image scored at or below the threshold") }

    /// The four ratios by their `metrics.json` key, in table order.
    public var ratios: [(key: String, metric: ReportedMetric)] {
        [("sensitivity", sensitivity), ("specificity", specificity), ("ppv", ppv), ("npv", npv)]
    }

    static func ratio(_ numerator: Int, _ denominator: Int, _ whyUndefined: String) -> ReportedMetric {
        denominator == 0 ? .undefined(whyUndefined) : .value(Double(numerator) / Double(denominator))
    }
}
