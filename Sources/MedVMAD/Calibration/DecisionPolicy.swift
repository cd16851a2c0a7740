import Foundation

/// Everything needed to turn maps and scores into decisions and figures: the image threshold,
/// the pixel threshold and the heat-map scale, each with its source.
///
/// Resolution order for the image threshold: a manual threshold in `calibration.json`, then a
/// calibration, then the uncalibrated default of half the maximum (mean level probability 0.5).
/// The pixel threshold and the scale come from the calibration when there is one.
public struct DecisionPolicy: Sendable, Equatable {
    public var imageThreshold: DecisionThreshold
    public var pixelThreshold: DecisionThreshold
    public var scale: HeatmapScale
    /// The calibration the numbers came from, if any.
    public var calibration: ModelCalibration?

    public init(imageThreshold: DecisionThreshold, pixelThreshold: DecisionThreshold, scale: HeatmapScale, calibration: ModelCalibration? = nil) {
        self.imageThreshold = imageThreshold
        self.pixelThreshold = pixelThreshold
        self.scale = scale
        self.calibration = calibration
    }

    /// The policy of an uncalibrated model whose maps and scores range over 0 … `mapMaximum`.
    public static func uncalibrated(mapMaximum: Float) throws -> DecisionPolicy {
        let half = mapMaximum / 2
        let d = "uncalibrated default (half the maximum \(DecisionThreshold.format(mapMaximum)))"
        return DecisionPolicy(imageThreshold: DecisionThreshold(value: half, source: .uncalibratedDefault, description: d),
                              pixelThreshold: DecisionThreshold(value: half, source: .uncalibratedDefault, description: d),
                              scale: try .uncalibrated(mapMaximum: mapMaximum))
    }

    /// The policy a calibration file gives (nil file: uncalibrated).
    public static func from(_ file: CalibrationFile?, mapMaximum: Float) throws -> DecisionPolicy {
        var policy = try uncalibrated(mapMaximum: mapMaximum)
        if let c = file?.calibration {
            policy.calibration = c
            policy.imageThreshold = DecisionThreshold(value: c.imageThreshold.value, source: .calibration, description: c.sourceDescription)
            policy.pixelThreshold = DecisionThreshold(
                value: c.pixelThreshold.value, source: .calibration,
                description: "calibration on \(c.provenance.data) at pixel false-positive rate \(ModelCalibration.format(c.pixelThreshold.falsePositiveRate))")
            policy.scale = try .calibrated(c, mapMaximum: mapMaximum)
        }
        if let m = file?.manualThreshold {
            policy.imageThreshold = DecisionThreshold(value: m.value, source: .manual, description: m.note.isEmpty ? "manual" : "manual: \(m.note)")
        }
        return policy
    }

    /// Reads the model folder's `calibration.json` (if any) and checks that it belongs to this
    /// model: same `learned.safetensors` (SHA-256) and same class name in the prompts. A mismatch
    /// is an error, not a silent fallback — recalibrate or delete the file.
    public static func load(modelDirectory: String, className: String, mapMaximum: Float) throws -> DecisionPolicy {
        let file = try CalibrationFile.read(modelDirectory: modelDirectory)
        if let c = file?.calibration {
            let path = CalibrationFile.path(modelDirectory: modelDirectory)
            let hash = try CalibrationFile.learnedSHA256(modelDirectory: modelDirectory)
            guard hash == c.provenance.learnedSha256 else {
                throw MedVMADError.invalidModel(path: path, reason: "made for learned parameters \(c.provenance.learnedSha256.prefix(16))…, but the folder now holds \(hash.prefix(16))…; run medvmad calibrate again")
            }
            guard className == c.provenance.className else {
                throw MedVMADError.invalidModel(path: path, reason: "calibrated with class name '\(c.provenance.className)', used with '\(className)'; scores differ between prompts, calibrate for '\(className)'")
            }
        }
        return try from(file, mapMaximum: mapMaximum)
    }

    /// Reads the policy for a loaded model.
    public static func load(for inference: MedVMADInference) throws -> DecisionPolicy {
        try load(modelDirectory: inference.modelDirectory, className: inference.model.config.prompt.className, mapMaximum: inference.mapMaximum)
    }

    /// The verdict on one slice's score and map.
    public func verdict(score: Float, map: [Float]) -> SliceVerdict {
        let t = pixelThreshold.value
        var flagged = 0
        map.withUnsafeBufferPointer { m in for v in m where v > t { flagged += 1 } }
        return SliceVerdict(score: score, threshold: imageThreshold.value, abnormal: score > imageThreshold.value,
                            flaggedPixelFraction: map.isEmpty ? 0 : Double(flagged) / Double(map.count), pixelThreshold: t)
    }

    public func verdict(_ result: MedVMADInference.SliceResult) -> SliceVerdict {
        verdict(score: result.score, map: result.map)
    }

    /// The verdict on a series from its slices' results (see `SeriesVerdict` for the aggregate).
    public func seriesVerdict(_ results: [MedVMADInference.SliceResult]) -> SeriesVerdict {
        SeriesVerdict(slices: results.map(verdict), threshold: imageThreshold)
    }
}
