import Foundation
import Raster
import XCTest
@testable import MedVMAD

/// One heat-map scale per model: the same map value gets the same colour in two runs and in two
/// images whose maps span very different ranges (a per-image min–max would colour them differently).
final class CalibrationHeatmapTests: XCTestCase {
    static let provenance = ModelCalibration.Provenance(
        data: "/normals", imageCount: 50, modelName: "m", learnedSha256: "00", className: "brain", analysis: "resized",
        specificityRequested: 0.95, pixelFalsePositiveRateRequested: 0.01, createdAt: "2026-01-01T00:00:00Z", software: "test")

    /// A calibration file whose normals' map values have median 0.2 and 99.9th percentile 1.4.
    static func calibrationFile() throws -> CalibrationFile {
        var h = try ValueHistogram(lo: 0, hi: 4, bins: 400)
        // 1000 values in bins 0.01 wide: the 500th in the bin ending at 0.2 (median), the 999th in the one ending at 1.4.
        h.add([Float](repeating: 0.195, count: 500) + [Float](repeating: 0.5, count: 498) + [1.395, 2.0])
        let c = try Calibrator(specificity: 0.95, pixelFalsePositiveRate: 0.01)
            .calibration(from: .init(scores: (0..<50).map { Float($0) / 25 }, mapValues: h), provenance: provenance)
        return CalibrationFile(calibration: c)
    }

    static func slice(_ grey: UInt8, side: Int = 200) throws -> ByteImage {
        try ByteImage(width: side, height: side, mode: .gray, pixels: [UInt8](repeating: grey, count: side * side))
    }

    /// A ramp map from 0 to `top` with `value` at (20, 20).
    static func map(top: Float, value: Float, side: Int = 200) throws -> FloatImage {
        var v = (0..<(side * side)).map { Float($0 % side) / Float(side - 1) * top }
        v[20 * side + 20] = value
        return try FloatImage(width: side, height: side, values: v)
    }

    func testSameValueSameColourAcrossImagesAndRuns() throws {
        let file = try Self.calibrationFile()
        // Two runs: the policy as read from JSON twice.
        let data = try ModelManifest.encoder.encode(file)
        let run1 = try DecisionPolicy.from(try ModelManifest.decoder.decode(CalibrationFile.self, from: data), mapMaximum: 4)
        let run2 = try DecisionPolicy.from(try ModelManifest.decoder.decode(CalibrationFile.self, from: data), mapMaximum: 4)
        XCTAssertEqual(run1.scale.lo, 0.2, accuracy: 1e-6)
        XCTAssertEqual(run1.scale.hi, 1.4, accuracy: 1e-6)
        let v: Float = 0.8
        let slice = try Self.slice(100)
        let verdict = SliceVerdict(score: 1, threshold: 2, abnormal: false, flaggedPixelFraction: 0, pixelThreshold: 1)
        let a = try VerdictFigure(policy: run1).render(slice: slice, map: try Self.map(top: 0.5, value: v), verdict: verdict)
        let b = try VerdictFigure(policy: run2).render(slice: slice, map: try Self.map(top: 3.0, value: v), verdict: verdict)
        let a2 = try VerdictFigure(policy: run2).render(slice: slice, map: try Self.map(top: 0.5, value: v), verdict: verdict)
        XCTAssertEqual(a, a2, "two runs give identical figures")
        let pa = (0..<3).map { a[20, 20, $0] }, pb = (0..<3).map { b[20, 20, $0] }
        XCTAssertEqual(pa, pb, "value \(v) has one colour in both images")
        // Independently: t = (v − lo)/(hi − lo), opacity 0.6·t over grey 100.
        let t = (v - run1.scale.lo) / (run1.scale.hi - run1.scale.lo)
        let c = Colormap.inferno.color(at: t), alpha = 0.6 * t
        let expected = [c.red, c.green, c.blue].map { UInt8(((1 - alpha) * 100 + alpha * Float($0)).rounded()) }
        XCTAssertEqual(pa, expected)
        // Below the normals' median: untouched.
        XCTAssertEqual((0..<3).map { a[0, 20, $0] }, [100, 100, 100])
        XCTAssertGreaterThan(a.width, slice.width, "legend appended")
    }

    func testUncalibratedScaleIsTheFullMapRangeAndSaysSo() throws {
        let policy = try DecisionPolicy.from(nil, mapMaximum: 4)
        XCTAssertEqual(policy.scale.lo, 0)
        XCTAssertEqual(policy.scale.hi, 4)
        XCTAssertTrue(policy.scale.description.hasPrefix("uncalibrated"))
        let figure = VerdictFigure(policy: policy)
        let verdict = policy.verdict(score: 2.5, map: [0, 1, 2.5, 3])
        let lines = figure.captions(verdict)
        XCTAssertEqual(lines[0], "ANOMALY: score above threshold")
        XCTAssertEqual(lines[1], "score 2.500 / threshold 2.000")
        XCTAssertEqual(lines[2], "threshold: uncalibrated default (half the maximum 4.000)")
        XCTAssertEqual(verdict.flaggedPixelFraction, 0.5)
    }

    /// The model-sized map is resized onto the slice and the figure round-trips through PNG.
    func testFigureFromSliceResultWritesPNG() throws {
        let policy = try DecisionPolicy.from(try Self.calibrationFile(), mapMaximum: 4)
        let result = MedVMADInference.SliceResult(map: (0..<(16 * 16)).map { Float($0) / 64 }, size: 16, score: 3)
        let image = try VerdictFigure(policy: policy).render(slice: try Self.slice(80, side: 240), result: result)
        let path = NSTemporaryDirectory() + "medvmad-figure-\(getpid()).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNGFile.write(image, to: path)
        XCTAssertEqual(try PNGFile.read(path), image)
        XCTAssertEqual(image.height, 240)
        XCTAssertEqual(image.mode, .rgb, "the same pixels feed a Secondary Capture (RGB)")
    }
}
