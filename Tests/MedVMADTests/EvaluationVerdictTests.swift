import FixtureSupport
import Foundation
import Raster
import XCTest
@testable import MedVMAD

/// Verdict metrics of `medvmad eval`: where the threshold comes from (never the evaluated split),
/// and sensitivity / specificity / PPV / NPV recomputed independently from `scores.csv`.
final class EvaluationVerdictTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "medvmad-verdicts-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The threshold rule written out again: order statistic ⌈p(n+1)⌉ (clamped to n) of the sorted normal scores.
    static func orderStatisticThreshold(_ scores: [Float], specificity: Double) -> Float {
        let sorted = scores.sorted()
        let k = min(Int((specificity * Double(sorted.count + 1)).rounded(.up)), sorted.count)
        return sorted[k - 1]
    }

    /// Counts verdicts from `scores.csv` rows at `t` and checks them and the ratios against the report entry.
    static func checkVerdicts(_ e: EvaluationReport.ModelEntry, csvScores: [Float], labels: [Int], threshold t: Float,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (s, l) in zip(csvScores, labels) {
            if l == 1 { if s > t { tp += 1 } else { fn += 1 } } else { if s > t { fp += 1 } else { tn += 1 } }
        }
        let c = try XCTUnwrap(e.confusion, file: file, line: line)
        XCTAssertEqual([c.tp, c.fp, c.tn, c.fn], [tp, fp, tn, fn], file: file, line: line)
        func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
        let expected = [ratio(tp, tp + fn), ratio(tn, tn + fp), ratio(tp, tp + fp), ratio(tn, tn + fn)]
        let got = [e.sensitivity, e.specificity, e.ppv, e.npv]
        for (key, (x, y)) in zip(["sensitivity", "specificity", "ppv", "npv"], zip(expected, got)) {
            if let x {
                // Both sides divide the same integers.
                XCTAssertEqual(try XCTUnwrap(y, key, file: file, line: line), x, accuracy: 1e-15, key, file: file, line: line)
            } else {
                XCTAssertNil(y, key, file: file, line: line)
                XCTAssertNotNil(e.verdictUndefined?[key], key, file: file, line: line)
            }
        }
    }

    func testThresholdFromValidSplitNotTestSplitAndVerdictsMatchScoresCSV() throws {
        // Test: 5 normal + 5 abnormal. Valid: 2 abnormal that must not count, and 9 "normal" images that
        // carry bright disks, so their scores (and threshold) sit apart from the test normals'.
        try SyntheticBMAD.write(root: root, split: "test", normal: 5, abnormal: 5, seed: 21)
        try SyntheticBMAD.write(root: root, split: "valid", normal: 0, abnormal: 2, seed: 77)
        try FileManager.default.createDirectory(atPath: "\(root)/valid/good/img", withIntermediateDirectories: true)
        var rng = SyntheticBMAD.Generator(state: 78)
        for i in 0..<9 {
            try PNGFile.write(try SyntheticBMAD.image(lesion: true, rng: &rng).image, to: String(format: "%@/valid/good/img/%03d.png", root, i))
        }
        let clip = try TinyTraining.checkpoint()
        let dir = try EvalTests.saveUntrained(root: root, clip: clip)
        let model = try MedVMADInference.load(modelDirectory: dir)
        let dataset = try BMADDataset.load(root: root, split: "test")
        let out = "\(root)/report"
        // 0.8 with 9 normals: k = ⌈0.8·10⌉ = 8 ≤ 9, an interior order statistic.
        let plan = ThresholdPlan(specificity: 0.8)
        let report = try Evaluator(dataset: dataset, options: .init(batchSize: 4, thresholds: plan)).run(models: [model], outputDirectory: out)
        let json = try EvaluationReport.read(path: "\(out)/metrics.json")
        XCTAssertEqual(json, report)
        let e = try XCTUnwrap(json.models.first)
        let t = try XCTUnwrap(e.threshold, e.thresholdUnavailable ?? "")
        XCTAssertEqual(t.source, .validSplit)
        XCTAssertEqual(t.split, "valid")
        XCTAssertEqual(t.specificityTarget, 0.8)
        XCTAssertEqual(t.counts?.normalImages, 9)
        XCTAssertEqual(t.counts?.orderStatistic, 8)

        // Independent: the valid normals read and scored one by one through MedVMADInference.
        let validNormals = try FileManager.default.contentsOfDirectory(atPath: "\(root)/valid/good/img").sorted()
            .map { "\(root)/valid/good/img/\($0)" }
        let validScores = try validNormals.map { try XCTUnwrap(try model.infer(images: [PNGFile.read($0)], batchSize: 1).first).score }
        let fromValid = Self.orderStatisticThreshold(validScores, specificity: 0.8)
        // Batch of 4 vs batch of 1 differs in BLAS summation order only (≈1e-7 relative on scores).
        let tolerance = 1e-5 * max(1, abs(fromValid))
        XCTAssertEqual(t.value, fromValid, accuracy: tolerance)

        // What the evaluated split's own normals would give: distinct, so using them would fail above.
        let (header, rows) = try EvalTests.readScores("\(out)/scores.csv")
        XCTAssertEqual(header, ["path", "label", e.column])
        let labels = rows.map { Int($0[1])! }
        let csvScores = rows.map { Float($0[2])! }
        let fromTest = Self.orderStatisticThreshold(zip(csvScores, labels).filter { $0.1 == 0 }.map(\.0), specificity: 0.8)
        XCTAssertGreaterThan(abs(fromTest - fromValid), 20 * tolerance, "test data must separate the two thresholds")

        // Verdict metrics from scores.csv at the stored threshold.
        try Self.checkVerdicts(e, csvScores: csvScores, labels: labels, threshold: t.value)

        // Tables: the four paper columns, then the verdict columns; the text names the split that set the threshold.
        let csv = try String(contentsOfFile: "\(out)/table.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, "model,profile,P-AUROC,P-AUPRO,I-AUROC,I-AP,Threshold,Threshold source,Sensitivity,Specificity,PPV,NPV")
        let cells = csv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(cells[6], String(format: "%.4f", Double(t.value)))
        XCTAssertEqual(cells[7], "valid split")
        let ratios = [e.sensitivity, e.specificity, e.ppv, e.npv]
        XCTAssertEqual(Array(cells[8...]), ratios.map { $0.map { String(format: "%.1f", $0 * 100) } ?? "—" })
        let md = try String(contentsOfFile: "\(out)/table.md", encoding: .utf8)
        XCTAssertTrue(md.contains("set on the 'valid' split (its normal images, \(root)/valid (good)) at specificity target 0.8"), md)
        XCTAssertTrue(md.contains("The evaluated split ('test') did not take part"), md)
        XCTAssertFalse(try String(contentsOfFile: "\(out)/metrics.json", encoding: .utf8).lowercased().contains("nan"))
    }

    func testManualThresholdAndNoThresholdAreReported() throws {
        try SyntheticBMAD.write(root: root, split: "test", normal: 4, abnormal: 3, seed: 5)
        let clip = try TinyTraining.checkpoint()
        let dir = try EvalTests.saveUntrained(root: root, clip: clip)
        let model = try MedVMADInference.load(modelDirectory: dir)
        let dataset = try BMADDataset.load(root: root, split: "test")

        // No valid split, no calibration.json, no --threshold: no verdict metrics, stated as such.
        let none = try Evaluator(dataset: dataset).run(models: [model], outputDirectory: "\(root)/none")
        let e0 = try XCTUnwrap(none.models.first)
        XCTAssertNil(e0.threshold)
        XCTAssertNil(e0.confusion)
        let why = try XCTUnwrap(e0.thresholdUnavailable)
        XCTAssertTrue(why.contains("no 'valid' split") && why.contains("no calibration.json"), why)
        let text = try String(contentsOfFile: "\(root)/none/metrics.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"sensitivity\" : null"), text)
        XCTAssertTrue(text.contains("\"threshold\" : null"), text)
        XCTAssertFalse(text.lowercased().contains("nan"))
        XCTAssertEqual(try EvaluationReport.read(path: "\(root)/none/metrics.json"), none)
        let csv = try String(contentsOfFile: "\(root)/none/table.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[1].hasSuffix(",—,—,—,—,—,—"), csv[1])
        let md = try String(contentsOfFile: "\(root)/none/table.md", encoding: .utf8)
        XCTAssertTrue(md.contains("— no verdict metrics: \(why)"), md)

        // A manual threshold above every score: nothing called abnormal, PPV undefined with its reason.
        let (_, rows) = try EvalTests.readScores("\(root)/none/scores.csv")
        let scores = rows.map { Float($0[2])! }, labels = rows.map { Int($0[1])! }
        let high = scores.max()! + 1
        let manual = try Evaluator(dataset: dataset, options: .init(thresholds: ThresholdPlan(manual: [high])))
            .run(models: [model], outputDirectory: "\(root)/manual")
        let e1 = try XCTUnwrap(manual.models.first)
        XCTAssertEqual(e1.threshold?.source, .manual)
        XCTAssertEqual(e1.threshold?.value, high)
        XCTAssertNil(e1.ppv)
        XCTAssertEqual(e1.verdictUndefined?["ppv"], "no image scored above the threshold")
        XCTAssertEqual(e1.specificity, 1)
        XCTAssertEqual(e1.sensitivity, 0)
        try Self.checkVerdicts(e1, csvScores: scores, labels: labels, threshold: high)

        // A manual threshold at the median score: both kinds of verdict occur.
        let mid = scores.sorted()[scores.count / 2]
        let e2 = try XCTUnwrap(try Evaluator(dataset: dataset, options: .init(thresholds: ThresholdPlan(manual: [mid])))
            .run(models: [model], outputDirectory: "\(root)/mid").models.first)
        try Self.checkVerdicts(e2, csvScores: scores, labels: labels, threshold: mid)
    }

    func testStoredCalibrationIsUsedUnlessMeasuredOnTheEvaluatedSplit() throws {
        try SyntheticBMAD.write(root: root, split: "test", normal: 4, abnormal: 3, seed: 8)
        try SyntheticBMAD.write(root: "\(root)/other", split: "valid", normal: 6, abnormal: 0, seed: 9)
        let clip = try TinyTraining.checkpoint()
        let dir = try EvalTests.saveUntrained(root: root, clip: clip)
        let model = try MedVMADInference.load(modelDirectory: dir)
        let dataset = try BMADDataset.load(root: root, split: "test")
        let calibrator = Calibrator(specificity: 0.9, batchSize: 4)

        // Calibrated elsewhere: used, value and counts as stored.
        let elsewhere = try calibrator.calibrate(model, normals: try NormalImages.find(root: "\(root)/other", split: "valid"), software: "test")
        try CalibrationFile(calibration: elsewhere).write(modelDirectory: dir)
        let a = try XCTUnwrap(try Evaluator(dataset: dataset).run(models: [model], outputDirectory: "\(root)/a").models.first)
        XCTAssertEqual(a.threshold?.source, .modelCalibration)
        XCTAssertEqual(a.threshold?.value, elsewhere.imageThreshold.value)
        XCTAssertEqual(a.threshold?.counts?.normalImages, 6)
        XCTAssertNotNil(a.confusion)

        // Calibrated on the evaluated split itself: refused, no verdict metrics.
        let onTest = try calibrator.calibrate(model, normals: try NormalImages.find(root: root, split: "test"), software: "test")
        try CalibrationFile(calibration: onTest).write(modelDirectory: dir)
        let b = try XCTUnwrap(try Evaluator(dataset: dataset).run(models: [model], outputDirectory: "\(root)/b").models.first)
        XCTAssertNil(b.threshold)
        XCTAssertTrue(b.thresholdUnavailable?.contains("measured on the evaluated split") == true, b.thresholdUnavailable ?? "")

        // A manual threshold in calibration.json wins over the stored calibration.
        try CalibrationFile(calibration: onTest, manualThreshold: .init(value: 1.25, note: "chosen by hand", setAt: "2026-01-01T00:00:00Z"))
            .write(modelDirectory: dir)
        let c = try XCTUnwrap(try Evaluator(dataset: dataset).run(models: [model], outputDirectory: "\(root)/c").models.first)
        XCTAssertEqual(c.threshold?.source, .manual)
        XCTAssertEqual(c.threshold?.value, 1.25)
    }

    func testPlansThatWouldSelectOnTheEvaluatedSplitAreRefused() throws {
        try SyntheticBMAD.write(root: root, split: "test", normal: 2, abnormal: 1, seed: 1)
        try SyntheticBMAD.write(root: root, split: "valid", normal: 2, abnormal: 1, seed: 2)
        let test = try BMADDataset.load(root: root, split: "test")
        let valid = try BMADDataset.load(root: root, split: "valid")
        XCTAssertThrowsError(try ThresholdPlan(calibration: .split("test")).calibrationSet(evaluating: test, modelCount: 1))
        XCTAssertThrowsError(try ThresholdPlan(calibration: .split("valid")).calibrationSet(evaluating: valid, modelCount: 1))
        XCTAssertThrowsError(try ThresholdPlan(calibration: .split("test")).calibrationSet(evaluating: valid, modelCount: 1))
        XCTAssertThrowsError(try ThresholdPlan(manual: [1, 2]).calibrationSet(evaluating: test, modelCount: 3))
        // Evaluating 'valid' itself: the automatic plan measures nothing on it.
        let auto = try ThresholdPlan().calibrationSet(evaluating: valid, modelCount: 1)
        XCTAssertNil(auto.set)
        XCTAssertNotNil(auto.note)
        // Evaluating 'test': the automatic plan takes only the valid split's normal images.
        let fromValid = try XCTUnwrap(try ThresholdPlan().calibrationSet(evaluating: test, modelCount: 1).set)
        XCTAssertEqual(fromValid.split, "valid")
        XCTAssertEqual(fromValid.items.map(\.imagePath), valid.items.filter { $0.label == 0 }.map(\.imagePath))
        XCTAssertEqual(ThresholdPlan.calibration(option: "auto"), .automatic)
        XCTAssertEqual(ThresholdPlan.calibration(option: "valid"), .split("valid"))
    }

    func testConfusionRatiosOnHandCountedScores() throws {
        // Threshold 0.5, strict: 0.5 itself is normal.
        let c = try ConfusionCounts(scores: [0.9, 0.5, 0.7, 0.2, 0.6, 0.1], labels: [1, 1, 0, 0, 1, 0], threshold: 0.5)
        XCTAssertEqual(c, ConfusionCounts(tp: 2, fp: 1, tn: 2, fn: 1))
        XCTAssertEqual(c.sensitivity.value, 2.0 / 3)
        XCTAssertEqual(c.specificity.value, 2.0 / 3)
        XCTAssertEqual(c.ppv.value, 2.0 / 3)
        XCTAssertEqual(c.npv.value, 2.0 / 3)
        let onlyNormal = try ConfusionCounts(scores: [0.1, 0.2], labels: [0, 0], threshold: 0.5)
        XCTAssertEqual(onlyNormal.sensitivity, .undefined("no abnormal images"))
        XCTAssertEqual(onlyNormal.ppv, .undefined("no image scored above the threshold"))
        XCTAssertEqual(onlyNormal.specificity.value, 1)
        XCTAssertThrowsError(try ConfusionCounts(scores: [0.1], labels: [0, 1], threshold: 0))
    }
}
