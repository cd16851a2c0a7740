import CLIP
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import MedVMAD

/// A run stopped after epoch 1 and resumed ends exactly where an uninterrupted run ends.
final class TrainerResumeTests: XCTestCase {
    func makeTrainer(output: String, epochs: Int) throws -> Trainer {
        let set = try XCTUnwrap(Fixtures.clipSets.first)
        let ckpt = try CLIPCheckpoint.load(path: set.path)
        var config = MedVMADConfig.Profile.medvmad.config(clip: ckpt.config)
        config.training.epochs = epochs
        config.training.batchSize = 4
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: ckpt.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: ckpt.weights, clipConfig: ckpt.config, promptIds: ids)
        let data = Fixtures.projectRoot.appendingPathComponent("sample-data/bmad-synthetic").path
        let all = try BMADDataset.load(root: data, split: "train")
        // A small, fixed subset keeps the test fast; both runs see the same items.
        let dataset = BMADDataset(root: all.root, split: all.split, items: Array(all.items.prefix(6)) + Array(all.items.suffix(6)))
        let manifest = ModelManifest(formatVersion: 1, name: "resume-test", description: "test", model: config,
                                     clip: try .init(describing: ckpt),
                                     provenance: .init(software: "test", createdAt: "", trainingData: nil, trainingImages: nil, epochsCompleted: 0, seed: nil, notes: ""))
        return Trainer(model: model, dataset: dataset, outputDirectory: output, manifest: manifest)
    }

    func testResumedRunEqualsUninterruptedRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let straight = try makeTrainer(output: root + "/straight", epochs: 2)
        try straight.run(resume: false) { _ in }

        let first = try makeTrainer(output: root + "/resumed", epochs: 1)
        try first.run(resume: false) { _ in }
        XCTAssertThrowsError(try makeTrainer(output: root + "/resumed", epochs: 2).run(resume: false) { _ in },
                             "starting over an existing run without --resume must be refused")
        let second = try makeTrainer(output: root + "/resumed", epochs: 2)
        var resumedFrom: Int?
        try second.run(resume: true) { if case let .resumed(e) = $0 { resumedFrom = e } }
        XCTAssertEqual(resumedFrom, 1)

        for n in straight.model.params.names {
            XCTAssertEqual(second.model.params[n].array, straight.model.params[n].array, "parameter \(n) after resuming")
        }
        XCTAssertEqual(second.history.map(\.totalLoss), straight.history.map(\.totalLoss))
        for f in ["losses.csv", "loss-image.png", "loss-segmentation.png", "learned.safetensors", "medvmad.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/resumed/" + f), f)
        }
        // The model folder written by training loads back as a model.
        let (loaded, manifest) = try MedVMADModel.load(modelDirectory: root + "/resumed")
        XCTAssertEqual(manifest.provenance.epochsCompleted, 2)
        for n in loaded.params.names { XCTAssertEqual(loaded.params[n].array, second.model.params[n].array, n) }
    }
}
