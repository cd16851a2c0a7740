import CLIP
import FixtureSupport
import Foundation
import Metrics
import Raster
import Tensor
import XCTest
@testable import MedVMAD

/// End to end for the baselines: `mvfa` and `text-only` trained briefly on the synthetic BMAD-layout set,
/// both evaluated together, and the report checked against `scores.csv` and independent recomputation.
final class MVFATextOnlyEvalTests: XCTestCase {
    /// A fresh model of `profile` with the profile's own settings except the number of epochs.
    static func model(_ profile: MedVMADConfig.Profile, clip: CLIPCheckpoint) throws -> MedVMADModel {
        var config = profile.config(clip: clip.config, className: "brain")
        // One epoch: this test checks training runs and the report is consistent, not how well the models learn.
        config.training.epochs = 1
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clip.config.text.contextLength, tokenizer: try CLIPTokenizer())
        return try MedVMADModel(config: config, clipWeights: clip.weights, clipConfig: clip.config, promptIds: ids)
    }

    func testTrainAndEvaluateBothBaselines() throws {
        // A smaller training split than the standard set: mvfa trains with batch 1.
        let root = NSTemporaryDirectory() + "medvmad-baselines-\(UUID().uuidString.prefix(8))"
        try SyntheticBMAD.write(root: root, split: "train", normal: 4, abnormal: 4, seed: 1)
        try SyntheticBMAD.write(root: root, split: "test", normal: 6, abnormal: 6, seed: 2)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clip = try TinyTraining.checkpoint()
        var dirs: [String] = []
        for profile in [MedVMADConfig.Profile.mvfa, .textOnly] {
            let model = try Self.model(profile, clip: clip)
            let before = model.params.copy()
            let dir = "\(root)/models/\(profile.rawValue)"
            let trainer = try TinyTraining.train(model, name: profile.rawValue, clip: clip, root: root, output: dir)
            XCTAssertEqual(trainer.history.count, 1)
            XCTAssertTrue(trainer.history[0].totalLoss.isFinite, "\(profile) loss")
            // Training moved what the profile trains, and only that.
            for n in model.params.names {
                XCTAssertNotEqual(model.params[n].array, before[n].array, "\(profile.rawValue): \(n) did not change")
                XCTAssertTrue(profile == .mvfa ? n.hasPrefix("adapters.") : n.hasPrefix("prompt."), "\(profile.rawValue) trains \(n)")
            }
            dirs.append(dir)
        }
        let models = try dirs.map { try MedVMADInference.load(modelDirectory: $0) }
        XCTAssertEqual(models[0].model.config.promptEnsemble, .mvfa, "the ensemble survives medvmad.json")
        XCTAssertEqual(models[0].model.config.positionResize, .bicubicAntialiased)
        XCTAssertEqual(models[1].model.config.effectiveImageScoreRule, .globalEmbedding)
        // MVFA's loader: no mean/std, nearest masks; text-only keeps CLIP's preprocessing.
        XCTAssertEqual(models[0].preprocessor.mean.red, 0)
        XCTAssertEqual(models[0].preprocessor.std.blue, 1)
        XCTAssertEqual(models[0].preprocessor.maskFilter, .nearest)
        XCTAssertEqual(models[1].preprocessor, CLIPImagePreprocessor(imageSize: models[1].imageSize))
        let dataset = try BMADDataset.load(root: root, split: "test")
        let out = "\(root)/report"
        let report = try Evaluator(dataset: dataset, options: .init(batchSize: 5)).run(models: models, outputDirectory: out)

        for f in ["metrics.json", "table.md", "table.csv", "scores.csv", "heatmaps.png", "roc.png", "pr.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(f)"), f)
        }
        let json = try EvaluationReport.read(path: "\(out)/metrics.json")
        XCTAssertEqual(json, report)
        XCTAssertEqual(json.models.map(\.profile), ["mvfa", "text-only"])
        XCTAssertEqual(json.models.map(\.imageSize), models.map(\.imageSize))
        XCTAssertEqual(json.normalImages, 6)
        XCTAssertEqual(json.abnormalImages, 6)

        // scores.csv: labels from the folders; each model's scores equal an independent one-image-at-a-time
        // inference, and the image AUROC recomputed pairwise from the file equals the reported one.
        let (header, rows) = try EvalTests.readScores("\(out)/scores.csv")
        XCTAssertEqual(header, ["path", "label", "mvfa", "text-only"])
        XCTAssertEqual(rows.map { $0[0] }, dataset.items.map(\.imagePath))
        let labels = rows.map { Int($0[1])! }
        XCTAssertEqual(labels, dataset.items.map(\.label))
        for (k, entry) in json.models.enumerated() {
            let scores = rows.map { Double($0[2 + k])! }
            let single = try dataset.items.map { try models[k].infer(images: [try PNGFile.read($0.imagePath)], batchSize: 1)[0].score }
            for (i, s) in single.enumerated() {
                // Batched (5) and single forwards differ only in BLAS summation order.
                XCTAssertEqual(scores[i], Double(s), accuracy: 1e-5, "\(entry.column) image \(i)")
            }
            // Both sides rank the same Float scores; only the summation order differs.
            XCTAssertEqual(try XCTUnwrap(entry.imageAuroc.value), EvalTests.pairwiseAUROC(scores: scores, labels: labels), accuracy: 1e-12, entry.column)
        }

        // Tables: the JSON fractions in percent with one decimal, one row per model.
        let csv = try String(contentsOfFile: "\(out)/table.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let md = try String(contentsOfFile: "\(out)/table.md", encoding: .utf8)
        XCTAssertEqual(csv.count, 3)
        for (k, e) in json.models.enumerated() {
            let cells = [e.pixelAuroc, e.pixelAupro, e.imageAuroc, e.imageAp].map { String(format: "%.1f", $0.value! * 100) }
            // The four paper columns lead; the verdict columns follow them.
            XCTAssertTrue(csv[k + 1].hasPrefix(([e.column, e.profile] + cells).joined(separator: ",") + ","), csv[k + 1])
            XCTAssertTrue(md.contains("| \(e.column) | \(e.profile) | " + cells.joined(separator: " | ") + " |"), md)
        }
        XCTAssertEqual(json.figures, ["heatmaps.png", "roc.png", "pr.png"])
        for f in json.figures { XCTAssertGreaterThan(try PNGFile.read("\(out)/\(f)").width, 0, f) }
    }
}
