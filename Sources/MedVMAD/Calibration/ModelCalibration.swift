import Foundation

/// What `medvmad calibrate` measured on normal images: the decision thresholds, the normal score
/// and map-value distributions, the fixed heat-map scale, and where it all came from.
///
/// Stored in `calibration.json` beside `medvmad.json` (see `CalibrationFile`), not inside the
/// manifest: recalibrating on other data never rewrites the model's own description, and the
/// file records the SHA-256 of the `learned.safetensors` it was measured with, so a calibration
/// left over from an earlier training run is detected instead of silently used.
public struct ModelCalibration: Codable, Sendable, Equatable {
    /// Image-score threshold at the requested specificity (`ConformalThreshold`'s rule).
    public var imageThreshold: ConformalThreshold.Result
    /// Map-value threshold at the requested false-positive rate over normal pixels.
    public var pixelThreshold: PixelThreshold
    /// Quantiles of the normal image scores at `scoreQuantileLevels` (type-7 interpolation).
    public var scoreQuantiles: [Quantile]
    /// The distribution of map values over every normal pixel.
    public var mapValues: MapValueSummary
    /// The fixed heat-map scale: the normals' median map value → no colour, their 99.9th percentile → full colour.
    public var heatmapScale: ScaleRange
    /// Where the numbers come from.
    public var provenance: Provenance

    public init(imageThreshold: ConformalThreshold.Result, pixelThreshold: PixelThreshold, scoreQuantiles: [Quantile],
                mapValues: MapValueSummary, heatmapScale: ScaleRange, provenance: Provenance) {
        self.imageThreshold = imageThreshold
        self.pixelThreshold = pixelThreshold
        self.scoreQuantiles = scoreQuantiles
        self.mapValues = mapValues
        self.heatmapScale = heatmapScale
        self.provenance = provenance
    }

    /// Levels (fractions) at which normal-score quantiles are reported: 1, 5, 25, 50, 75, 95, 99, 99.9 %.
    public static let scoreQuantileLevels: [Double] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]

    public struct Quantile: Codable, Sendable, Equatable {
        /// The level as a fraction (0.999 is the 99.9th percentile).
        public var level: Double
        public var value: Float
        public init(level: Double, value: Float) {
            self.level = level
            self.value = value
        }
    }

    public struct PixelThreshold: Codable, Sendable, Equatable {
        /// A pixel is flagged iff its map value is strictly above this.
        public var value: Float
        /// The false-positive rate over normal pixels asked for.
        public var falsePositiveRate: Double
        /// The fraction of calibration pixels above `value` (≤ the rate asked, by construction).
        public var sampleFalsePositiveRate: Double
        /// Normal pixels counted.
        public var pixelCount: Int64
        /// How `value` was read: the upper edge of a histogram bin of this width.
        public var histogramBinWidth: Float
        public init(value: Float, falsePositiveRate: Double, sampleFalsePositiveRate: Double, pixelCount: Int64, histogramBinWidth: Float) {
            self.value = value
            self.falsePositiveRate = falsePositiveRate
            self.sampleFalsePositiveRate = sampleFalsePositiveRate
            self.pixelCount = pixelCount
            self.histogramBinWidth = histogramBinWidth
        }
    }

    public struct MapValueSummary: Codable, Sendable, Equatable {
        public var minimum: Float
        public var median: Float
        public var p99: Float
        public var p999: Float
        public var maximum: Float
        public init(minimum: Float, median: Float, p99: Float, p999: Float, maximum: Float) {
            self.minimum = minimum
            self.median = median
            self.p99 = p99
            self.p999 = p999
            self.maximum = maximum
        }
    }

    public struct ScaleRange: Codable, Sendable, Equatable {
        public var lo: Float
        public var hi: Float
        public init(lo: Float, hi: Float) {
            self.lo = lo
            self.hi = hi
        }
    }

    public struct Provenance: Codable, Sendable, Equatable {
        /// The normal images: a BMAD split's `good` images or a plain folder, in words with the path.
        public var data: String
        /// Number of normal images scored.
        public var imageCount: Int
        /// Model name from `medvmad.json`.
        public var modelName: String
        /// SHA-256 of the `learned.safetensors` the scores were computed with.
        public var learnedSha256: String
        /// Organ / object name in the prompts at calibration time (scores depend on it).
        public var className: String
        /// How images were analysed: "resized to S" or the tiling settings.
        public var analysis: String
        /// The specificity and pixel false-positive rate asked for.
        public var specificityRequested: Double
        public var pixelFalsePositiveRateRequested: Double
        public var createdAt: String
        public var software: String
        public init(data: String, imageCount: Int, modelName: String, learnedSha256: String, className: String, analysis: String,
                    specificityRequested: Double, pixelFalsePositiveRateRequested: Double, createdAt: String, software: String) {
            self.data = data
            self.imageCount = imageCount
            self.modelName = modelName
            self.learnedSha256 = learnedSha256
            self.className = className
            self.analysis = analysis
            self.specificityRequested = specificityRequested
            self.pixelFalsePositiveRateRequested = pixelFalsePositiveRateRequested
            self.createdAt = createdAt
            self.software = software
        }
    }

    /// "calibration on <data> at specificity 0.95" — the source users see beside every threshold.
    public var sourceDescription: String {
        "calibration on \(provenance.data) at specificity \(Self.format(imageThreshold.specificity))"
            + (imageThreshold.guaranteed ? "" : " (only \(imageThreshold.sampleSize) normals: specificity not guaranteed)")
    }

    static func format(_ v: Double) -> String {
        var s = String(format: "%.4f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

extension ModelCalibration {
    /// A level as a percentage without trailing zeros ("99.9" for 0.999).
    public static func format100(_ level: Double) -> String { format(level * 100) }
}
