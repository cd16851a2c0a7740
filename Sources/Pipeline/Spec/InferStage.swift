/// Which model runs and how its maps become decisions.
public struct InferStage: Sendable, Equatable {
    /// Model folder (absolute): `medvmad.json` and `learned.safetensors`, plus the CLIP weights it names.
    public var model: String
    /// MedVMAD profile ("medvmad", "medvmad-seed"); nil uses the model's own.
    public var profile: String?
    /// Object named in the prompts ("brain", "liver", "breast").
    public var className: String
    /// Anomaly score at or above which a pixel or slice is abnormal.
    public var threshold: Double
    /// Slices per forward pass.
    public var batchSize: Int

    /// Files a model folder must hold.
    public static let requiredModelFiles = ["medvmad.json", "learned.safetensors"]

    public init(model: String, profile: String? = nil, className: String, threshold: Double = 0.5, batchSize: Int = 8) {
        self.model = model
        self.profile = profile
        self.className = className
        self.threshold = threshold
        self.batchSize = batchSize
    }
}
