import Foundation
import Raster

/// Runs a model over normal images and derives a `ModelCalibration` from what it sees.
///
/// Image threshold: `ConformalThreshold` at `specificity`. Pixel threshold: the (1 − fpr)
/// quantile of every normal map value (read from a `ValueHistogram` over 0 … mapMaximum, as a bin
/// upper edge, so at most fpr of the calibration pixels lie above it). Heat-map scale: median →
/// 99.9th percentile of the same pixels. Images are analysed as consumers will analyse them:
/// resized whole, or tiled with `tiling` (recorded in provenance).
public struct Calibrator: Sendable {
    public var specificity: Double
    public var pixelFalsePositiveRate: Double
    public var tiling: TilingOptions?
    public var batchSize: Int
    public var histogramBins: Int

    public init(specificity: Double = 0.95, pixelFalsePositiveRate: Double = 0.01, tiling: TilingOptions? = nil,
                batchSize: Int = 8, histogramBins: Int = 65536) {
        self.specificity = specificity
        self.pixelFalsePositiveRate = pixelFalsePositiveRate
        self.tiling = tiling
        self.batchSize = max(1, batchSize)
        self.histogramBins = histogramBins
    }

    /// Normal scores and map values, before any threshold is derived.
    public struct Measurement: Sendable {
        public var scores: [Float]
        public var mapValues: ValueHistogram
    }

    /// Scores every image of `paths` (PNG files) with `scorer`; `progress(done, total)` after each batch.
    public func measure(scorer: any SliceScorer, paths: [String], progress: ((Int, Int) -> Void)? = nil) throws -> Measurement {
        guard !paths.isEmpty else { throw MedVMADError.invalidInput(reason: "no normal images to calibrate on") }
        var histogram = try ValueHistogram(lo: 0, hi: scorer.mapMaximum, bins: histogramBins)
        var scores: [Float] = []
        let tiled = tiling.map { TiledInference(scorer: scorer, options: $0, batchSize: batchSize) }
        for start in stride(from: 0, to: paths.count, by: batchSize) {
            let chunk = paths[start..<min(start + batchSize, paths.count)]
            let images = try chunk.map { path -> ByteImage in
                do { return try PNGFile.read(path) } catch {
                    throw MedVMADError.invalidData(path: path, reason: "cannot read image: \(error)")
                }
            }
            if let tiled {
                for image in images {
                    let r = try tiled.analyse(image)
                    scores.append(r.score)
                    histogram.add(r.map.values)
                }
            } else {
                for r in try scorer.score(images: images) {
                    scores.append(r.score)
                    histogram.add(r.map)
                }
            }
            progress?(scores.count, paths.count)
        }
        return Measurement(scores: scores, mapValues: histogram)
    }

    /// The calibration a measurement gives (pure: no model, no files).
    public func calibration(from m: Measurement, provenance: ModelCalibration.Provenance) throws -> ModelCalibration {
        guard pixelFalsePositiveRate > 0, pixelFalsePositiveRate < 1 else {
            throw MedVMADError.invalidInput(reason: "pixel false-positive rate must be in (0, 1), got \(pixelFalsePositiveRate)")
        }
        let image = try ConformalThreshold.threshold(normalScores: m.scores, specificity: specificity)
        let sorted = m.scores.sorted()
        let quantiles = ModelCalibration.scoreQuantileLevels.map {
            ModelCalibration.Quantile(level: $0, value: ConformalThreshold.quantile(sorted: sorted, $0))
        }
        let h = m.mapValues
        guard h.total > 0 else { throw MedVMADError.invalidInput(reason: "no finite map values to calibrate on") }
        let pixel = h.quantile(1 - pixelFalsePositiveRate)
        let summary = ModelCalibration.MapValueSummary(minimum: h.minimum, median: h.quantile(0.5), p99: h.quantile(0.99),
                                                       p999: h.quantile(0.999), maximum: h.maximum)
        return ModelCalibration(
            imageThreshold: image,
            pixelThreshold: .init(value: pixel, falsePositiveRate: pixelFalsePositiveRate, sampleFalsePositiveRate: h.fractionAbove(pixel),
                                  pixelCount: h.total, histogramBinWidth: h.binWidth),
            scoreQuantiles: quantiles, mapValues: summary,
            heatmapScale: .init(lo: summary.median, hi: summary.p999), provenance: provenance)
    }

    /// Calibrates a loaded model on `normals` and returns the calibration (nothing is written).
    public func calibrate(_ inference: MedVMADInference, normals: NormalImages, software: String,
                          date: Date = Date(), progress: ((Int, Int) -> Void)? = nil) throws -> ModelCalibration {
        try calibrateKeepingScores(inference, normals: normals, software: software, date: date, progress: progress).calibration
    }

    /// As `calibrate`, also returning the normal scores in the order of `normals.paths`.
    public func calibrateKeepingScores(_ inference: MedVMADInference, normals: NormalImages, software: String, date: Date = Date(),
                                       progress: ((Int, Int) -> Void)? = nil) throws -> (calibration: ModelCalibration, scores: [Float]) {
        let m = try measure(scorer: inference, paths: normals.paths, progress: progress)
        let provenance = ModelCalibration.Provenance(
            data: normals.description, imageCount: m.scores.count, modelName: inference.manifest.name,
            learnedSha256: try CalibrationFile.learnedSHA256(modelDirectory: inference.modelDirectory),
            className: inference.model.config.prompt.className,
            analysis: tiling?.describe(inputSize: inference.imageSize) ?? "resized to \(inference.imageSize)×\(inference.imageSize)",
            specificityRequested: specificity, pixelFalsePositiveRateRequested: pixelFalsePositiveRate,
            createdAt: ISO8601DateFormatter().string(from: date), software: software)
        return (try calibration(from: m, provenance: provenance), m.scores)
    }
}
