/// Which model produced a result, written into every derived object with the notice that it is
/// not for clinical use.
public struct DicomProvenance: Sendable, Equatable {
    /// Model name, e.g. "MedVMAD ViT-L/14@336".
    public var modelName: String
    /// Model (or checkpoint) version.
    public var modelVersion: String
    /// SHA-256 of the weights file, hex.
    public var weightsSHA256: String
    /// The anomaly-score threshold behind the mask.
    public var threshold: Double
    /// Where the threshold came from, e.g. "validation F1-optimal" or "configured".
    public var thresholdSource: String
    /// The warning every output carries.
    public var notice: String

    public init(modelName: String, modelVersion: String, weightsSHA256: String, threshold: Double,
                thresholdSource: String, notice: String = "AI generated, not for clinical use") {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.weightsSHA256 = weightsSHA256
        self.threshold = threshold
        self.thresholdSource = thresholdSource
        self.notice = notice
    }

    /// ImageComments text (LT, up to 10240 characters).
    public var imageComments: String {
        "\(notice). Model: \(modelName) version \(modelVersion); weights SHA-256 \(weightsSHA256); "
            + "threshold \(threshold) (\(thresholdSource))."
    }

    /// DerivationDescription text (ST, up to 1024 characters).
    public var derivationDescription: String {
        String("\(notice). Anomaly map by \(modelName) \(modelVersion) (weights SHA-256 \(weightsSHA256)), "
            + "thresholded at \(threshold) (\(thresholdSource)).".prefix(1024))
    }

    /// "name version", cut to a DICOM LO value (64 characters).
    var algorithmVersionLO: String { String(modelVersion.prefix(64)) }
    var algorithmNameLO: String { String(modelName.prefix(64)) }
}
