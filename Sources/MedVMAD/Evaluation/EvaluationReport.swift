import Foundation

/// The contents of `metrics.json`: one entry per model, all on the same split.
///
/// Fractions (0…1) throughout; the tables show percent. `pixelAupro` is the 200-threshold
/// MedVMAD/AnomalyCLIP number (FPR ≤ 0.3, normalised as the reference does) and `pixelAuproExact`
/// the exact per-region integral, reported under its own name because the two differ.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public struct ModelEntry: Codable, Sendable, Equatable {
        /// Column name in `scores.csv` (the manifest name, made unique).
        public var column: String
        public var directory: String
        public var manifestName: String
        public var profile: String
        public var clipSha256: String
        /// The organ or object name in the prompts during this evaluation.
        public var className: String
        /// The class name the model was trained with (differs in zero-shot use).
        public var trainedClassName: String
        public var epochsCompleted: Int
        public var imageSize: Int
        /// Largest possible map value (the number of summed levels): the top of the figures' colour scale.
        public var mapMaximum: Double
        /// Smallest and largest map value seen on this split.
        public var mapMinimum: Double?
        public var mapMaximumObserved: Double?
        public var imageAuroc: ReportedMetric
        public var imageAp: ReportedMetric
        public var pixelAuroc: ReportedMetric
        public var pixelAp: ReportedMetric
        public var pixelAupro: ReportedMetric
        public var pixelAuproExact: ReportedMetric
        public var seconds: Double
        /// The verdict threshold and where it came from; nil when there was none (`thresholdUnavailable` says why).
        public var threshold: EvaluationThreshold?
        /// Why there is no threshold and so no verdict metrics.
        public var thresholdUnavailable: String?
        /// Image verdicts at `threshold` against the labels (nil without a threshold).
        public var confusion: ConfusionCounts?
        /// Verdict ratios at `threshold` (fractions); null when undefined, with the reason in `verdictUndefined`.
        public var sensitivity: Double?
        public var specificity: Double?
        public var ppv: Double?
        public var npv: Double?
        /// Why a verdict ratio is null, by its key (empty when all four have values).
        public var verdictUndefined: [String: String]?

        /// Sets the threshold fields and the verdict metrics of `scores` (label 1 = abnormal) at it.
        public mutating func setVerdicts(_ resolution: ThresholdPlan.Resolution, scores: [Float], labels: [Int]) throws {
            switch resolution {
            case .threshold(let t):
                let counts = try ConfusionCounts(scores: scores, labels: labels, threshold: t.value)
                threshold = t
                thresholdUnavailable = nil
                confusion = counts
                (sensitivity, specificity, ppv, npv) = (counts.sensitivity.value, counts.specificity.value, counts.ppv.value, counts.npv.value)
                verdictUndefined = Dictionary(uniqueKeysWithValues: counts.ratios.compactMap { r in r.metric.reason.map { (r.key, $0) } })
            case .unavailable(let why):
                threshold = nil
                thresholdUnavailable = why
                confusion = nil
                (sensitivity, specificity, ppv, npv) = (nil, nil, nil, nil)
                verdictUndefined = Dictionary(uniqueKeysWithValues: ["sensitivity", "specificity", "ppv", "npv"].map { ($0, "no threshold: \(why)") })
            }
        }

        /// The four verdict ratios as `ReportedMetric`s (undefined with the reason when null).
        public var verdictRatios: [(key: String, metric: ReportedMetric)] {
            let values: [(String, Double?)] = [("sensitivity", sensitivity), ("specificity", specificity), ("ppv", ppv), ("npv", npv)]
            return values.map { (key: $0.0, metric: $0.1.map(ReportedMetric.value) ?? .undefined(verdictUndefined?[$0.0] ?? "not computed")) }
        }

        // Written by hand only so that absent verdict values appear as explicit nulls beside their
        // reasons (synthesised encoding drops nil keys); decoding is synthesised.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(column, forKey: .column)
            try c.encode(directory, forKey: .directory)
            try c.encode(manifestName, forKey: .manifestName)
            try c.encode(profile, forKey: .profile)
            try c.encode(clipSha256, forKey: .clipSha256)
            try c.encode(className, forKey: .className)
            try c.encode(trainedClassName, forKey: .trainedClassName)
            try c.encode(epochsCompleted, forKey: .epochsCompleted)
            try c.encode(imageSize, forKey: .imageSize)
            try c.encode(mapMaximum, forKey: .mapMaximum)
            try c.encodeIfPresent(mapMinimum, forKey: .mapMinimum)
            try c.encodeIfPresent(mapMaximumObserved, forKey: .mapMaximumObserved)
            try c.encode(imageAuroc, forKey: .imageAuroc)
            try c.encode(imageAp, forKey: .imageAp)
            try c.encode(pixelAuroc, forKey: .pixelAuroc)
            try c.encode(pixelAp, forKey: .pixelAp)
            try c.encode(pixelAupro, forKey: .pixelAupro)
            try c.encode(pixelAuproExact, forKey: .pixelAuproExact)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(threshold, forKey: .threshold)
            try c.encodeIfPresent(thresholdUnavailable, forKey: .thresholdUnavailable)
            try c.encode(confusion, forKey: .confusion)
            try c.encode(sensitivity, forKey: .sensitivity)
            try c.encode(specificity, forKey: .specificity)
            try c.encode(ppv, forKey: .ppv)
            try c.encode(npv, forKey: .npv)
            try c.encode(verdictUndefined ?? [:], forKey: .verdictUndefined)
        }
    }

    public var formatVersion: Int
    public var software: String
    public var createdAt: String
    public var data: String
    public var split: String
    /// `--class-name`, when the prompts were changed for this evaluation.
    public var classNameOverride: String?
    public var imageCount: Int
    public var normalImages: Int
    public var abnormalImages: Int
    /// How the metrics were computed, in words.
    public var protocolNotes: [String]
    public var models: [ModelEntry]
    /// Figure files written, relative to the report folder.
    public var figures: [String]

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    /// Reads a `metrics.json`.
    public static func read(path: String) throws -> EvaluationReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedVMADError.ioFailure(path: path, reason: "cannot read the report")
        }
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do { return try d.decode(EvaluationReport.self, from: data) } catch let e as DecodingError {
            throw MedVMADError.invalidData(path: path, reason: ModelManifest.describe(e))
        }
    }

    /// The JSON text.
    public func encoded() throws -> Data { try Self.encoder.encode(self) }
}
