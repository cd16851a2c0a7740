/// A threshold together with where it came from; every consumer shows both.
public struct DecisionThreshold: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// Measured by `medvmad calibrate` on normal images.
        case calibration
        /// Set by hand (`medvmad calibrate --set-threshold`).
        case manual
        /// No calibration: half the largest possible value (mean level probability 0.5).
        case uncalibratedDefault = "uncalibrated default"
        /// Set in a pipeline file (`infer.threshold`), overriding the model's own.
        case pipelineFile = "pipeline file"
    }

    /// Abnormal iff the value tested is strictly above this.
    public var value: Float
    public var source: Source
    /// E.g. "calibration on /data/brain/valid (good) at specificity 0.95", "manual", "uncalibrated default".
    public var description: String

    public init(value: Float, source: Source, description: String) {
        self.value = value
        self.source = source
        self.description = description
    }

    /// "0.830 (calibration on … at specificity 0.95)".
    public var summary: String { "\(DecisionThreshold.format(value)) (\(description))" }

    static func format(_ v: Float) -> String { String(format: "%.3f", Double(v)) }
}
