/// A metric's value, or the reason it has none.
///
/// Undefined cases are explicit so that a report never carries NaN as a number: scikit-learn raises
/// or returns NaN in these cases, and a NaN averaged into a table silently poisons it.
public enum MetricResult: Sendable, Equatable, CustomStringConvertible {
    case value(Double)
    case undefined(UndefinedMetric)

    /// The number, or nil when the metric is undefined.
    public var value: Double? {
        if case .value(let v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case .value(let v): return "\(v)"
        case .undefined(let why): return "undefined: \(why)"
        }
    }
}

/// What a metric was computed over, for messages.
public enum SampleKind: String, Sendable, Equatable {
    case images
    case pixels
}

/// Why a metric has no value.
public enum UndefinedMetric: Sendable, Equatable, CustomStringConvertible {
    /// Nothing was scored.
    case noSamples(SampleKind)
    /// Only normal samples: no positive class, so recall and TPR are 0/0.
    case noAbnormal(SampleKind)
    /// Only abnormal samples: FPR is 0/0.
    case noNormal(SampleKind)
    /// Every map value is the same, so the AUPRO threshold grid `arange(min, max, 0)` is empty.
    case constantMaps
    /// No connected ground-truth region in any mask: the mean per-region overlap is 0/0.
    case noAnomalousRegions
    /// Fewer than two thresholds had FPR below the limit: a curve needs two points.
    case tooFewCurvePoints(kept: Int, fprLimit: Double)
    /// All kept thresholds share one FPR, so rescaling the FPR axis divides by zero.
    case flatFalsePositiveRate(Double)

    public var description: String {
        switch self {
        case .noSamples(let k): return "no \(k.rawValue) were scored"
        case .noAbnormal(let k): return "no abnormal \(k.rawValue)"
        case .noNormal(let k): return "no normal \(k.rawValue)"
        case .constantMaps: return "all anomaly-map values are equal, so there are no thresholds"
        case .noAnomalousRegions: return "the masks hold no anomalous region"
        case .tooFewCurvePoints(let kept, let limit):
            return "\(kept) threshold(s) with FPR < \(limit); at least 2 are needed"
        case .flatFalsePositiveRate(let f): return "every kept threshold has the same FPR (\(f)); the FPR axis cannot be rescaled"
        }
    }
}
