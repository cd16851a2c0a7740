/// ROC and precision–recall points of image scores, one point per distinct score (scikit-learn's
/// `roc_curve(drop_intermediate=False)` and `precision_recall_curve`), for the figures.
public struct ImageCurves: Sendable, Equatable {
    /// (FPR, TPR) from (0, 0) to (1, 1).
    public let falsePositiveRate: [Double]
    public let truePositiveRate: [Double]
    /// (recall, precision) from the highest threshold down, starting at (0, 1) as scikit-learn does.
    public let recall: [Double]
    public let precision: [Double]

    /// Nil when either class is missing (no curve exists).
    public init?(scores: [Float], labels: [Bool]) {
        let p = labels.filter { $0 }.count, n = labels.count - p
        guard p > 0, n > 0, scores.count == labels.count else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var fpr = [0.0], tpr = [0.0], rec = [0.0], prec = [1.0]
        var tp = 0, fp = 0, k = 0
        while k < order.count {
            let s = scores[order[k]]
            while k < order.count && scores[order[k]] == s {
                if labels[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            fpr.append(Double(fp) / Double(n))
            tpr.append(Double(tp) / Double(p))
            rec.append(Double(tp) / Double(p))
            prec.append(Double(tp) / Double(tp + fp))
        }
        falsePositiveRate = fpr
        truePositiveRate = tpr
        recall = rec
        precision = prec
    }
}
