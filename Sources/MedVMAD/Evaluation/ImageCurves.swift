/// ROC and precision–recall points of image scores, one point per distinct score (scikit-learn's
/// `roc_curve(drop_intermediate=False)` and `precision_recall_curve`), for the figures.
public struct ImageCurves: Sendable, Equatable {
    /// (FPR, TPR) from (0, 0) to (1, 1).
    public let falsePositiveRate: [Double]
    public let truePositiveRate: [Double]
    /// (recall, precision) from the highest threshold down to the first that reaches full recall,
    /// after the point (0, 1), as scikit-learn's `precision_recall_curve` gives them.
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
            if rec.last! < 1 {
                rec.append(Double(tp) / Double(p))
                prec.append(Double(tp) / Double(tp + fp))
            }
        }
        falsePositiveRate = fpr
        truePositiveRate = tpr
        recall = rec
        precision = prec
    }

    /// The precision–recall points as a step line whose area is the average precision: each recall
    /// step is drawn at the precision reached at its end (AP = Σ (Rₙ − Rₙ₋₁)·Pₙ), not interpolated.
    public var precisionRecallSteps: (recall: [Double], precision: [Double]) {
        var r = [recall[0]], q = [precision[0]]
        for k in 1..<recall.count {
            r += [recall[k - 1], recall[k]]
            q += [precision[k], precision[k]]
        }
        return (r, q)
    }
}
