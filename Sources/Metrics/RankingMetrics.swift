/// AUROC and average precision of one score per sample, kept in memory (scikit-learn semantics).
///
/// This is the plain path for small sets (image-level scores, tests); pixel-level metrics over a
/// whole test set go through `PixelRankingAccumulator`, which streams.
///
/// Both follow `sklearn.metrics`: samples are sorted by score, descending; tied scores form one
/// curve point (one threshold per distinct score); ROC area is the trapezoidal rule over
/// (FPR, TPR) from (0, 0); AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ, a step sum without interpolation.
/// Computed in Double. Cost: O(n log n) time, O(n) memory.
public enum RankingMetrics {
    /// Both metrics of one ranking.
    public struct Result: Sendable, Equatable {
        public let auroc: MetricResult
        public let averagePrecision: MetricResult
    }

    /// AUROC and AP of `scores` against `labels` (true = abnormal).
    public static func evaluate(scores: [Double], labels: [Bool], kind: SampleKind = .images) throws -> Result {
        guard scores.count == labels.count else { throw MetricsError.countMismatch(scores: scores.count, labels: labels.count) }
        if let bad = scores.firstIndex(where: \.isNaN) { throw MetricsError.notANumber(image: nil, position: bad) }
        let positives = labels.lazy.filter { $0 }.count
        let negatives = labels.count - positives
        if let why = undefinedReason(positives: positives, negatives: negatives, kind: kind) {
            return Result(auroc: .undefined(why), averagePrecision: .undefined(why))
        }
        // Sort order inside a tie does not matter: only the counts at the end of each tie enter the curve.
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let p = Double(positives), n = Double(negatives)
        var tps = 0, fps = 0
        var prevFPR = 0.0, prevTPR = 0.0
        var area = 0.0, ap = 0.0
        var k = 0
        while k < order.count {
            let s = scores[order[k]]
            while k < order.count && scores[order[k]] == s {
                if labels[order[k]] { tps += 1 } else { fps += 1 }
                k += 1
            }
            let fpr = Double(fps) / n, tpr = Double(tps) / p
            area += (fpr - prevFPR) * (tpr + prevTPR) / 2
            ap += (tpr - prevTPR) * (Double(tps) / Double(tps + fps))
            prevFPR = fpr
            prevTPR = tpr
        }
        return Result(auroc: .value(area), averagePrecision: .value(ap))
    }

    /// Float scores: widened to Double exactly, so ties are the same ties.
    public static func evaluate(scores: [Float], labels: [Bool], kind: SampleKind = .images) throws -> Result {
        try evaluate(scores: scores.map(Double.init), labels: labels, kind: kind)
    }

    /// `roc_auc_score(labels, scores)`.
    public static func auroc(scores: [Double], labels: [Bool]) throws -> MetricResult {
        try evaluate(scores: scores, labels: labels).auroc
    }

    /// `average_precision_score(labels, scores)`.
    public static func averagePrecision(scores: [Double], labels: [Bool]) throws -> MetricResult {
        try evaluate(scores: scores, labels: labels).averagePrecision
    }

    static func undefinedReason(positives: Int, negatives: Int, kind: SampleKind) -> UndefinedMetric? {
        if positives == 0 && negatives == 0 { return .noSamples(kind) }
        if positives == 0 { return .noAbnormal(kind) }
        if negatives == 0 { return .noNormal(kind) }
        return nil
    }
}
