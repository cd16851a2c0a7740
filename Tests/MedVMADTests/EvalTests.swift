import CLIP
import FixtureSupport
import Foundation
import Metrics
import Raster
import Tensor
import XCTest
@testable import MedVMAD

/// `Evaluator` end to end on the synthetic set: two briefly trained profiles, the report files, and
/// their consistency with an independent recomputation.
final class EvalTests: XCTestCase {
    /// Parses `scores.csv` (no quoted fields in these paths).
    static func readScores(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (try XCTUnwrap(lines.first), Array(lines.dropFirst()))
    }

    /// AUROC as the probability that an abnormal image outscores a normal one (ties count ½), by
    /// comparing every pair: independent of `RankingMetrics`' sorted trapezoid.
    static func pairwiseAUROC(scores: [Double], labels: [Int]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where labels[i] == 1 {
            for j in scores.indices where labels[j] == 0 {
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
                pairs += 1
            }
        }
        return wins / pairs
    }

    func testEvaluationOfTwoProfilesIsConsistent() throws {
        let root = try SyntheticBMAD.makeStandard()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clip = try TinyTraining.checkpoint()
        var dirs: [String] = []
        for (name, profile) in [("medvmad", MedVMADConfig.Profile.medvmad), ("seed", .medvmadSeed)] {
            // One epoch: this test checks the report against recomputation, not how well the models learn.
            let model = try TinyTraining.model(profile: profile, clip: clip, epochs: 1, learningRate: 1e-2)
            let dir = "\(root)/models/\(name)"
            _ = try TinyTraining.train(model, name: name, clip: clip, root: root, output: dir)
            dirs.append(dir)
        }
        let models = try dirs.map { try MedVMADInference.load(modelDirectory: $0) }
        let dataset = try BMADDataset.load(root: root, split: "test")
        let out = "\(root)/report"
        // Batch size 5 does not divide 12: the last batch is short.
        let report = try Evaluator(dataset: dataset, options: .init(batchSize: 5)).run(models: models, outputDirectory: out)

        for f in ["metrics.json", "table.md", "table.csv", "scores.csv", "heatmaps.png", "roc.png", "pr.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(f)"), f)
        }
        let json = try EvaluationReport.read(path: "\(out)/metrics.json")
        XCTAssertEqual(json, report)
        XCTAssertEqual(json.normalImages, 6)
        XCTAssertEqual(json.abnormalImages, 6)
        XCTAssertEqual(json.split, "test")
        XCTAssertEqual(json.models.map(\.profile), ["medvmad", "medvmad-seed"])
        XCTAssertEqual(json.models[0].clipSha256, models[0].manifest.clip.sha256)
        XCTAssertFalse(try String(contentsOfFile: "\(out)/metrics.json", encoding: .utf8).lowercased().contains("nan"))

        // scores.csv: one row per image, labels from the folders, image AUROC recomputed pairwise.
        let (header, rows) = try Self.readScores("\(out)/scores.csv")
        XCTAssertEqual(header, ["path", "label", "medvmad", "seed"])
        XCTAssertEqual(rows.count, dataset.items.count)
        XCTAssertEqual(rows.map { $0[0] }, dataset.items.map(\.imagePath))
        let labels = rows.map { Int($0[1])! }
        XCTAssertEqual(labels, dataset.items.map(\.label))
        for (k, entry) in json.models.enumerated() {
            let scores = rows.map { Double($0[2 + k])! }
            let auroc = Self.pairwiseAUROC(scores: scores, labels: labels)
            // Both sides rank the same Float scores; only the summation order differs.
            XCTAssertEqual(try XCTUnwrap(entry.imageAuroc.value), auroc, accuracy: 1e-12, entry.column)
        }

        // Pixel metrics: batched, streamed, two-pass evaluation (maps through temporary files) vs the
        // in-memory computation over maps of one image at a time.
        for (k, model) in models.enumerated() {
            let memory = try Self.inMemoryPixelMetrics(model.model, dataset: dataset)
            let e = json.models[k]
            // Batched and single forwards differ only in BLAS rounding (≈1e-6 on map values), which can
            // swap a few near-tied pixels or move the AUPRO grid by as much: 1e-4 is far below any real difference.
            XCTAssertEqual(try XCTUnwrap(e.pixelAuroc.value), try XCTUnwrap(memory.pixel.auroc.value), accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(e.pixelAp.value), try XCTUnwrap(memory.pixel.averagePrecision.value), accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(e.pixelAupro.value), try XCTUnwrap(memory.pixel.aupro.value), accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(e.pixelAuproExact.value), try XCTUnwrap(memory.exact.value), accuracy: 1e-4)
        }

        // Another batch size, the exact AUPRO switched off, temporary files in a folder of our own.
        let temp = "\(root)/temp"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        let again = try Evaluator(dataset: dataset, options: .init(batchSize: 12, exactAuproPixelLimit: 0, temporaryDirectory: temp))
            .run(models: [models[1]], outputDirectory: "\(root)/report2")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temp), [], "temporary maps are removed")
        XCTAssertEqual(try XCTUnwrap(again.models[0].pixelAupro.value), try XCTUnwrap(json.models[1].pixelAupro.value), accuracy: 1e-4)
        guard case .notComputed = again.models[0].pixelAuproExact else { return XCTFail("\(again.models[0].pixelAuproExact)") }
        XCTAssertTrue(try String(contentsOfFile: "\(root)/report2/metrics.json", encoding: .utf8).contains("\"not_computed\""))

        // Tables: the JSON fractions in percent with one decimal, one row per model.
        let csv = try String(contentsOfFile: "\(out)/table.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, "model,profile,P-AUROC,P-AUPRO,I-AUROC,I-AP," + EvaluationWriter.verdictColumns.joined(separator: ","))
        let md = try String(contentsOfFile: "\(out)/table.md", encoding: .utf8)
        for (k, e) in json.models.enumerated() {
            let cells = [e.pixelAuroc, e.pixelAupro, e.imageAuroc, e.imageAp].map { String(format: "%.1f", $0.value! * 100) }
            XCTAssertTrue(csv[k + 1].hasPrefix(([e.column, e.profile] + cells).joined(separator: ",") + ","), csv[k + 1])
            XCTAssertTrue(md.contains("| \(e.column) | \(e.profile) | " + cells.joined(separator: " | ") + " |"), md)
        }

        // Figures: the grid has 1 + 2 + 1 columns of 160-pixel cells and 3 + 2 rows.
        let grid = try PNGFile.read("\(out)/heatmaps.png")
        XCTAssertGreaterThan(grid.width, 4 * 160)
        XCTAssertGreaterThan(grid.height, 5 * 160)
        XCTAssertEqual(json.figures, ["heatmaps.png", "roc.png", "pr.png"])
        XCTAssertEqual(try PNGFile.read("\(out)/roc.png").width, 560)
    }

    /// Pixel metrics of `model` on `dataset` with every map in memory, one image per forward pass.
    static func inMemoryPixelMetrics(_ model: MedVMADModel, dataset: BMADDataset) throws -> (pixel: PixelMetrics.Report, exact: MetricResult) {
        let pre = CLIPImagePreprocessor(imageSize: model.config.imageSize)
        let text = model.textFeatures()
        let s = model.config.imageSize
        var maps: [Float] = [], masks: [UInt8] = []
        for item in dataset.items {
            let (p, m) = try BMADDataset.sample(item, preprocessor: pre)
            maps += try model.forward(pixels: Tensor.stack([p]), textFeatures: text).anomalyMaps.data
            masks += m.data.map { $0 > 0.5 ? 1 : 0 }
        }
        let n = dataset.items.count
        return (try PixelMetrics.evaluate(maps: maps, masks: masks, imageCount: n, height: s, width: s),
                try ExactPRO.aupro(maps: maps, masks: masks, imageCount: n, height: s, width: s))
    }

    /// A model folder holding an untrained (seed-initialised) model.
    static func saveUntrained(root: String, clip: CLIPCheckpoint) throws -> String {
        let model = try TinyTraining.model(profile: .medvmad, clip: clip, epochs: 1, learningRate: 1e-3)
        let dir = "\(root)/untrained"
        try model.save(modelDirectory: dir, manifest: try TinyTraining.manifest(name: "untrained", model: model, clip: clip, data: root))
        return dir
    }

    func testSplitWithoutAbnormalImagesReportsUndefinedMetrics() throws {
        let root = NSTemporaryDirectory() + "medvmad-eval-normal-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try SyntheticBMAD.write(root: root, split: "test", normal: 4, abnormal: 0, seed: 3)
        let clip = try TinyTraining.checkpoint()
        let dir = try Self.saveUntrained(root: root, clip: clip)
        // Zero-shot use: another class name in the prompts, nothing retrained.
        let model = try MedVMADInference.load(modelDirectory: dir, className: "liver")
        let dataset = try BMADDataset.load(root: root, split: "test")
        let out = "\(root)/report"
        let report = try Evaluator(dataset: dataset).run(models: [model], classNameOverride: "liver", outputDirectory: out)

        let e = try XCTUnwrap(report.models.first)
        XCTAssertEqual(e.className, "liver")
        XCTAssertEqual(e.trainedClassName, "brain")
        XCTAssertEqual(e.imageAuroc, .undefined("no abnormal images"))
        XCTAssertEqual(e.imageAp, .undefined("no abnormal images"))
        XCTAssertEqual(e.pixelAuroc, .undefined("no abnormal pixels"))
        XCTAssertNil(e.pixelAupro.value)
        XCTAssertNil(e.pixelAuproExact.value)

        let text = try String(contentsOfFile: "\(out)/metrics.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"image_auroc\" : {\n        \"undefined\" : \"no abnormal images\""), text)
        XCTAssertFalse(text.lowercased().contains("nan"))
        XCTAssertEqual(try EvaluationReport.read(path: "\(out)/metrics.json"), report)
        let md = try String(contentsOfFile: "\(out)/table.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| n/a (no abnormal images) |"), md)
        XCTAssertTrue(md.contains("| n/a (no abnormal pixels) |"), md)
        // No ROC without abnormal images; the heat-map grid still shows the normal ones.
        XCTAssertEqual(report.figures, ["heatmaps.png"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/roc.png"))
    }

    func testMapOfAnotherSizeThanItsMaskIsAnError() throws {
        let item = BMADDataset.Item(imagePath: "/data/test/Ungood/img/007.png", maskPath: "/data/test/Ungood/anomaly_mask/007.png",
                                    label: 1, className: "Ungood")
        XCTAssertThrowsError(try Evaluator.binaryMask(Tensor(zeros: [32, 32]), mapSize: 56, mapCount: 56 * 56, item: item)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("/data/test/Ungood/anomaly_mask/007.png"), message)
            XCTAssertTrue(message.contains("32×32") && message.contains("56×56"), message)
        }
        XCTAssertEqual(try Evaluator.binaryMask(Tensor(shape: [2, 2], data: [0, 1, 0.4, 0.6]), mapSize: 2, mapCount: 4, item: item), [0, 1, 0, 1])
    }

    func testAbnormalImageWithoutMaskIsNamed() throws {
        let root = NSTemporaryDirectory() + "medvmad-eval-nomask-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try SyntheticBMAD.write(root: root, split: "test", normal: 1, abnormal: 2, seed: 4)
        try FileManager.default.removeItem(atPath: "\(root)/test/Ungood/anomaly_mask/001.png")
        XCTAssertThrowsError(try BMADDataset.load(root: root, split: "test")) { error in
            XCTAssertTrue("\(error)".contains("test/Ungood/img/001.png"), "\(error)")
        }
    }
}

/// The figure curves against hand-checkable cases.
final class EvalCurveTests: XCTestCase {
    func testCurvesAndStepAreaMatchTheMetrics() throws {
        // Scores with a tie across classes and a normal image on top.
        let scores: [Float] = [0.9, 0.8, 0.8, 0.5, 0.3, 0.1]
        let labels = [false, true, false, true, true, false]
        let c = try XCTUnwrap(ImageCurves(scores: scores, labels: labels))
        let m = try RankingMetrics.evaluate(scores: scores, labels: labels)
        // Trapezoid over the ROC points and the step area under the PR line reproduce AUROC and AP.
        var roc = 0.0
        for k in 1..<c.falsePositiveRate.count {
            roc += (c.falsePositiveRate[k] - c.falsePositiveRate[k - 1]) * (c.truePositiveRate[k] + c.truePositiveRate[k - 1]) / 2
        }
        XCTAssertEqual(roc, try XCTUnwrap(m.auroc.value), accuracy: 1e-12)
        let steps = c.precisionRecallSteps
        var pr = 0.0
        for k in 1..<steps.recall.count { pr += (steps.recall[k] - steps.recall[k - 1]) * steps.precision[k] }
        XCTAssertEqual(pr, try XCTUnwrap(m.averagePrecision.value), accuracy: 1e-12)
        // Stops at full recall (the last normal image adds no point), as scikit-learn does.
        XCTAssertEqual(c.recall.last, 1)
        XCTAssertEqual(c.recall.count, 5)  // (0, 1) + thresholds 0.9, 0.8, 0.5, 0.3
        XCTAssertNil(ImageCurves(scores: [0.1, 0.2], labels: [false, false]))
    }
}
