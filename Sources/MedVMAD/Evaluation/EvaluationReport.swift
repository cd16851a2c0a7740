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
