import Foundation
import XCTest
@testable import MedVMAD

/// The threshold logic as pure functions on generated normal scores.
final class CalibrationThresholdTests: XCTestCase {
    static func gaussians(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in 1.5 + 0.4 * rng.nextGaussian() }
    }

    static func exponentials(_ n: Int, rng: inout SplitMix64) -> [Float] {
        (0..<n).map { _ in -log(max(1e-7, rng.nextUnit())) }
    }

    static func falsePositiveRate(_ scores: [Float], threshold: Float) -> Double {
        Double(scores.filter { $0 > threshold }.count) / Double(scores.count)
    }

    /// Held-out normals see the requested specificity within sampling error.
    func testSpecificityReproducedOnHeldOutNormals() throws {
        let n = 4000, m = 40000
        let calibration = Self.gaussians(n, seed: 1), heldOut = Self.gaussians(m, seed: 2)
        for p in [0.9, 0.95, 0.99] {
            let t = try ConformalThreshold.threshold(normalScores: calibration, specificity: p)
            XCTAssertTrue(t.guaranteed)
            let fpr = Self.falsePositiveRate(heldOut, threshold: t.value)
            // The threshold's own FPR varies as a Beta with variance ≈ q(1−q)/n, the held-out
            // estimate adds q(1−q)/m: allow 4 standard deviations of both.
            let q = 1 - p
            let sd = (q * (1 - q) * (1 / Double(n) + 1 / Double(m))).squareRoot()
            XCTAssertEqual(fpr, q, accuracy: 4 * sd, "specificity \(p): held-out FPR \(fpr)")
        }
    }

    /// Averaged over many small calibration sets, the false-positive rate is at most 1 − p and
    /// equals (n + 1 − k)/(n + 1) — whatever the distribution (exponential here).
    func testConformalBoundOnAverageForSmallSamples() throws {
        var rng = SplitMix64(seed: 7)
        let p = 0.95, reps = 3000, m = 100
        for n in [19, 39, 50] {
            var sum = 0.0
            for _ in 0..<reps {
                let t = try ConformalThreshold.threshold(normalScores: Self.exponentials(n, rng: &rng), specificity: p)
                sum += Self.falsePositiveRate(Self.exponentials(m, rng: &rng), threshold: t.value)
            }
            let mean = sum / Double(reps)
            let k = Int((p * Double(n + 1)).rounded(.up))
            let expected = Double(n + 1 - k) / Double(n + 1)
            // Mean of reps·m Bernoulli-ish draws whose rate itself varies: 5 sd of q(1−q)/reps per
            // set (dominant term: the threshold's Beta spread) is generous but still catches an off-by-one in k.
            let sd = (expected * (1 - expected) / Double(reps)).squareRoot()
            XCTAssertEqual(mean, expected, accuracy: 5 * sd, "n \(n)")
            XCTAssertLessThanOrEqual(mean, 1 - p + 5 * sd, "n \(n)")
        }
    }

    /// The order statistic matches its definition, checked by brute force: the smallest sample value
    /// t with #(x ≤ t) ≥ p·(n + 1).
    func testOrderStatisticMatchesDefinition() throws {
        var rng = SplitMix64(seed: 3)
        for n in [20, 21, 57, 100, 199] {
            let xs = (0..<n).map { _ in Float(Int(rng.nextUnit() * 1000)) / 10 + rng.nextUnit() * 1e-3 }
            for p in [0.9, 0.95, 0.975] {
                let t = try ConformalThreshold.threshold(normalScores: xs, specificity: p)
                let brute = xs.filter { c in Double(xs.filter { $0 <= c }.count) >= p * Double(n + 1) }.min()
                // No such value when p·(n + 1) > n: then the maximum, flagged as not guaranteed.
                XCTAssertEqual(t.value, brute ?? xs.max()!, "n \(n) p \(p)")
                XCTAssertEqual(t.guaranteed, brute != nil, "n \(n) p \(p)")
                XCTAssertEqual(t.sampleSpecificity, Double(xs.filter { $0 <= t.value }.count) / Double(n))
            }
        }
    }

    func testTooFewNormalsIsFlagged() throws {
        let xs: [Float] = (1...10).map(Float.init).shuffled()
        let t = try ConformalThreshold.threshold(normalScores: xs, specificity: 0.95)
        XCTAssertFalse(t.guaranteed)
        XCTAssertEqual(t.value, 10)
        let ok = try ConformalThreshold.threshold(normalScores: (1...19).map(Float.init), specificity: 0.95)
        XCTAssertTrue(ok.guaranteed, "19 normals suffice at 0.95: k = ceil(0.95·20) = 19")
    }

    func testRejectsBadInput() {
        XCTAssertThrowsError(try ConformalThreshold.threshold(normalScores: [], specificity: 0.95))
        XCTAssertThrowsError(try ConformalThreshold.threshold(normalScores: [1, .nan], specificity: 0.95))
        XCTAssertThrowsError(try ConformalThreshold.threshold(normalScores: [1, 2], specificity: 1))
        XCTAssertThrowsError(try ValueHistogram(lo: 1, hi: 1))
    }

    /// Histogram quantiles agree with exact ones to a bin, and the pixel threshold read from them
    /// flags at most the requested fraction of calibration pixels and about that fraction of new ones.
    func testPixelThresholdFromHistogram() throws {
        var rng = SplitMix64(seed: 11)
        let values = (0..<200_000).map { _ in min(4, max(0, 0.3 + 0.2 * rng.nextGaussian())) }
        var h = try ValueHistogram(lo: 0, hi: 4, bins: 4096)
        h.add(values)
        let sorted = values.sorted()
        for q in [0.5, 0.99, 0.999] {
            let exact = ConformalThreshold.quantile(sorted: sorted, q)
            XCTAssertEqual(h.quantile(q), exact, accuracy: h.binWidth * 1.01, "q \(q)")
        }
        let measurement = Calibrator.Measurement(scores: Self.gaussians(200, seed: 5), mapValues: h)
        let c = try Calibrator(specificity: 0.95, pixelFalsePositiveRate: 0.01).calibration(from: measurement, provenance: Self.provenance)
        XCTAssertLessThanOrEqual(Self.falsePositiveRate(values, threshold: c.pixelThreshold.value), 0.01)
        XCTAssertEqual(c.pixelThreshold.sampleFalsePositiveRate, Self.falsePositiveRate(values, threshold: c.pixelThreshold.value), accuracy: 1e-3)
        let fresh = (0..<200_000).map { _ in min(4, max(0, 0.3 + 0.2 * rng.nextGaussian())) }
        // 0.01 ± 4 sd of a 200k-pixel binomial plus the bin's worth of conservatism (≈ 0.0004 here).
        XCTAssertEqual(Self.falsePositiveRate(fresh, threshold: c.pixelThreshold.value), 0.01, accuracy: 4 * (0.01 * 0.99 / 1e5).squareRoot() + 1e-3)
        XCTAssertEqual(c.heatmapScale.lo, h.quantile(0.5))
        XCTAssertEqual(c.heatmapScale.hi, h.quantile(0.999))
        XCTAssertEqual(c.scoreQuantiles.map(\.level), ModelCalibration.scoreQuantileLevels)
    }

    static let provenance = ModelCalibration.Provenance(
        data: "/synthetic/normals", imageCount: 200, modelName: "synthetic", learnedSha256: "00", className: "brain",
        analysis: "none", specificityRequested: 0.95, pixelFalsePositiveRateRequested: 0.01, createdAt: "2026-01-01T00:00:00Z", software: "test")

    /// Manual thresholds override calibration for the image decision and say so; no file means the default.
    func testThresholdSources() throws {
        var h = try ValueHistogram(lo: 0, hi: 4)
        h.add(Self.gaussians(1000, seed: 9).map { $0 / 2 })
        let c = try Calibrator().calibration(from: .init(scores: Self.gaussians(100, seed: 4), mapValues: h), provenance: Self.provenance)
        let calibrated = try DecisionPolicy.from(CalibrationFile(calibration: c), mapMaximum: 4)
        XCTAssertEqual(calibrated.imageThreshold.source, .calibration)
        XCTAssertEqual(calibrated.imageThreshold.value, c.imageThreshold.value)
        XCTAssertEqual(calibrated.imageThreshold.description, "calibration on /synthetic/normals at specificity 0.95")
        let manual = try DecisionPolicy.from(CalibrationFile(calibration: c, manualThreshold: .init(value: 2.5, note: "", setAt: "")), mapMaximum: 4)
        XCTAssertEqual(manual.imageThreshold, DecisionThreshold(value: 2.5, source: .manual, description: "manual"))
        XCTAssertEqual(manual.pixelThreshold, calibrated.pixelThreshold, "the pixel threshold stays calibrated")
        let none = try DecisionPolicy.from(nil, mapMaximum: 4)
        XCTAssertEqual(none.imageThreshold.source, .uncalibratedDefault)
        XCTAssertEqual(none.imageThreshold.value, 2)
        XCTAssertEqual(none.scale.lo, 0)
        XCTAssertEqual(none.scale.hi, 4)
    }

    /// Series aggregate: max slice score, flagged slices counted, abnormal iff any slice is flagged.
    func testSeriesVerdict() throws {
        let policy = DecisionPolicy(imageThreshold: .init(value: 0.83, source: .manual, description: "manual"),
                                    pixelThreshold: .init(value: 0.5, source: .manual, description: "manual"),
                                    scale: try .uncalibrated(mapMaximum: 1))
        let scores: [Float] = [0.2, 0.9, 0.5, 0.85, 0.83]
        let maps: [[Float]] = scores.map { s in [0.1, s, 0.6, 0.4] }
        let results = zip(scores, maps).map { MedVMADInference.SliceResult(map: $1, size: 2, score: $0) }
        let v = policy.seriesVerdict(results)
        XCTAssertEqual(v.score, scores.max())
        XCTAssertEqual(v.worstSlice, 1)
        XCTAssertEqual(v.flaggedSlices, scores.indices.filter { scores[$0] > 0.83 })
        XCTAssertTrue(v.abnormal)
        XCTAssertEqual(v.slices[0].flaggedPixelFraction, Double(maps[0].filter { $0 > 0.5 }.count) / 4)
        XCTAssertTrue(v.statement.hasPrefix("anomaly: score 0.900 above threshold 0.830 (manual) in 2 of 5 slices"), v.statement)
        let quiet = policy.seriesVerdict(Array(results[0...0]) + [results[2]])
        XCTAssertFalse(quiet.abnormal)
        XCTAssertEqual(quiet.statement, "no anomaly above threshold 0.830 (manual); highest score 0.500")
    }
}
