/// Which model runs and how its maps become decisions.
public struct InferStage: Sendable, Equatable {
    /// Model folder (absolute): `medvmad.json` and `learned.safetensors`, plus the CLIP weights it names.
    public var model: String
    /// MedVMAD profile ("medvmad", "medvmad-seed"); nil uses the model's own.
    public var profile: String?
    /// Object named in the prompts ("brain", "liver", "breast").
    public var className: String
    /// Manual image-score threshold in the model's map units (a slice is abnormal iff its score is
    /// strictly above it), source "pipeline file". Nil uses the model's `calibration.json`, or
    /// without one the uncalibrated default (see `DecisionPolicy`).
    public var threshold: Double?
    /// Slices per forward pass.
    public var batchSize: Int

    /// Files a model folder must hold.
    public static let requiredModelFiles = ["medvmad.json", "learned.safetensors"]

    public init(model: String, profile: String? = nil, className: String, threshold: Double? = nil, batchSize: Int = 8) {
        self.model = model
        self.profile = profile
        self.className = className
        self.threshold = threshold
        self.batchSize = batchSize
    }
}
