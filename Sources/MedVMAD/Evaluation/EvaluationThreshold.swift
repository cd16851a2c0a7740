/// The image-score threshold an evaluation's verdict metrics were computed at, and where it came
/// from. Stored per model in `metrics.json` under `threshold`; an image is abnormal iff its score
/// is strictly above `value`.
public struct EvaluationThreshold: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// Given by hand: `medvmad eval --threshold`, or a manual threshold stored in the model's `calibration.json`.
        case manual
        /// Measured during the evaluation on the normal images of a held-out split of the same data
        /// folder (normally `valid`), never the evaluated split.
        case validSplit = "valid split"
        /// Read from the model folder's `calibration.json` (measured earlier by `medvmad calibrate`).
        case modelCalibration = "model calibration"
    }

    /// How many normal images a measured threshold rests on (`ConformalThreshold`'s terms).
    public struct Counts: Codable, Sendable, Equatable {
        /// n, the normal images scored.
        public var normalImages: Int
        /// k, the 1-based order statistic taken as the threshold.
        public var orderStatistic: Int
        /// Whether k ≤ n, i.e. the specificity target is guaranteed in expectation.
        public var guaranteed: Bool
        /// Fraction of those normals at or below the threshold.
        public var sampleSpecificity: Double

        public init(normalImages: Int, orderStatistic: Int, guaranteed: Bool, sampleSpecificity: Double) {
            self.normalImages = normalImages
            self.orderStatistic = orderStatistic
            self.guaranteed = guaranteed
            self.sampleSpecificity = sampleSpecificity
        }

        public init(_ r: ConformalThreshold.Result) {
            self.init(normalImages: r.sampleSize, orderStatistic: r.orderStatistic, guaranteed: r.guaranteed, sampleSpecificity: r.sampleSpecificity)
        }
    }

    public var value: Float
    public var source: Source
    /// The specificity asked of a measured threshold (nil for a manual one).
    public var specificityTarget: Double?
    /// Counts behind a measured threshold (nil for a manual one).
    public var counts: Counts?
    /// The split that set the threshold (`valid split` source only), e.g. "valid".
    public var split: String?
    /// Where the threshold came from in words with paths, e.g. "/data/brain/valid (good)",
    /// "/models/brain/calibration.json: calibration on /data/brain/valid (good) at specificity 0.95", "--threshold".
    public var origin: String

    public init(value: Float, source: Source, specificityTarget: Double? = nil, counts: Counts? = nil, split: String? = nil, origin: String) {
        self.value = value
        self.source = source
        self.specificityTarget = specificityTarget
        self.counts = counts
        self.split = split
        self.origin = origin
    }

    /// A measured threshold from `ConformalThreshold`.
    init(_ r: ConformalThreshold.Result, source: Source, split: String?, origin: String) {
        self.init(value: r.value, source: source, specificityTarget: r.specificity, counts: Counts(r), split: split, origin: origin)
    }

    /// One line for reports: value, source and what it rests on.
    public var summary: String {
        var s = DecisionThreshold.format(value)
        switch source {
        case .manual: s += ", set by hand (\(origin))"
        case .validSplit: s += ", set on the '\(split ?? "?")' split (its normal images, \(origin))"
        case .modelCalibration: s += ", from the model calibration (\(origin))"
        }
        if let c = counts, let p = specificityTarget {
            s += " at specificity target \(ModelCalibration.format(p)): order statistic \(c.orderStatistic) of \(c.normalImages) normal scores"
            if !c.guaranteed { s += " (too few normals to guarantee the target)" }
        }
        return s
    }
}
