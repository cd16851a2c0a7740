import CLIP
import Checkpoint
import FixtureSupport
import Foundation
import Raster
import Tensor
import XCTest
@testable import MedVMAD

/// A small BMAD-layout set made inside a test: grey random-texture backgrounds, bright disks as
/// lesions, exact disk masks. Written as `<split>/good/img`, `<split>/Ungood/img` and
/// `<split>/Ungood/anomaly_mask` with Raster's PNG writer.
enum SyntheticBMAD {
    /// Deterministic generator (SplitMix64) so a failing run can be reproduced.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    }

    static let side = 64

    /// One image and its mask: texture of 4×4 blocks plus pixel noise around a random grey level;
    /// with `lesion`, a disk of radius 7…11 (bright, 200…235) at a random place fully inside.
    static func image(lesion: Bool, rng: inout Generator) throws -> (image: ByteImage, mask: ByteImage) {
        let n = side
        let base = Double(rng.int(50...110))
        var blocks = [Double](repeating: 0, count: (n / 4) * (n / 4))
        for k in blocks.indices { blocks[k] = rng.uniform() * 40 - 20 }
        var pixels = [UInt8](repeating: 0, count: n * n), mask = [UInt8](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                let v = base + blocks[(y / 4) * (n / 4) + x / 4] + rng.uniform() * 24 - 12
                pixels[y * n + x] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        if lesion {
            let r = rng.int(7...11), cx = rng.int(r + 2...n - r - 3), cy = rng.int(r + 2...n - r - 3)
            let level = Double(rng.int(200...235))
            for y in 0..<n {
                for x in 0..<n where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
                    pixels[y * n + x] = UInt8(max(0, min(255, (level + rng.uniform() * 16 - 8).rounded())))
                    mask[y * n + x] = 255
                }
            }
        }
        return (try ByteImage(width: n, height: n, mode: .gray, pixels: pixels), try ByteImage(width: n, height: n, mode: .gray, pixels: mask))
    }

    /// Writes `split` with `normal` and `abnormal` images under `root`.
    static func write(root: String, split: String, normal: Int, abnormal: Int, seed: UInt64) throws {
        var rng = Generator(state: seed)
        let fm = FileManager.default
        for (cls, count) in [("good", normal), ("Ungood", abnormal)] where count > 0 {
            let img = "\(root)/\(split)/\(cls)/img", msk = "\(root)/\(split)/\(cls)/anomaly_mask"
            try fm.createDirectory(atPath: img, withIntermediateDirectories: true)
            if cls != "good" { try fm.createDirectory(atPath: msk, withIntermediateDirectories: true) }
            for i in 0..<count {
                let (image, mask) = try self.image(lesion: cls != "good", rng: &rng)
                let name = String(format: "%03d.png", i)
                try PNGFile.write(image, to: "\(img)/\(name)")
                if cls != "good" { try PNGFile.write(mask, to: "\(msk)/\(name)") }
            }
        }
    }

    /// The standard set of the learning and evaluation tests: 12 + 12 training, 6 + 6 test images.
    static func makeStandard() throws -> String {
        let root = NSTemporaryDirectory() + "medvmad-synthetic-\(UUID().uuidString.prefix(8))"
        try write(root: root, split: "train", normal: 12, abnormal: 12, seed: 1)
        try write(root: root, split: "test", normal: 6, abnormal: 6, seed: 2)
        return root
    }
}

/// Builds and trains models on the tiny random CLIP fixture.
enum TinyTraining {
    static var clipPath: String { Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/tiny-clip").path }

    static func checkpoint() throws -> CLIPCheckpoint { try CLIPCheckpoint.load(path: clipPath) }

    /// A fresh (untrained, seed-initialised) model of `profile` with the given training settings.
    static func model(profile: MedVMADConfig.Profile, clip: CLIPCheckpoint, epochs: Int, learningRate: Float, batchSize: Int = 8,
                      className: String = "brain") throws -> MedVMADModel {
        var config = profile.config(clip: clip.config, className: className)
        config.imageSize = clip.config.vision.imageSize
        config.training.epochs = epochs
        config.training.learningRate = learningRate
        config.training.batchSize = batchSize
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clip.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: clip.weights, clipConfig: clip.config, promptIds: ids)
        model.params.initialise(seed: config.training.seed)
        return model
    }

    static func manifest(name: String, model: MedVMADModel, clip: CLIPCheckpoint, data: String) throws -> ModelManifest {
        let size = ((try FileManager.default.attributesOfItem(atPath: clip.weightsPath))[.size] as? NSNumber)?.int64Value ?? 0
        return ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: name, description: "test model on synthetic disks", model: model.config,
            clip: .init(path: (clip.weightsPath as NSString).standardizingPath, sha256: try FileDigest.sha256(path: clip.weightsPath),
                        sizeBytes: size, config: clip.config, configSource: clip.configSource),
            provenance: .init(software: "tests", createdAt: "2026-01-01T00:00:00Z", trainingData: data, trainingImages: nil,
                              epochsCompleted: 0, seed: model.config.training.seed, notes: ""))
    }

    /// Trains `model` on `root/train` into `output` (a model folder) and returns it.
    static func train(_ model: MedVMADModel, name: String, clip: CLIPCheckpoint, root: String, output: String) throws -> Trainer {
        let dataset = try BMADDataset.load(root: root, split: "train")
        let trainer = Trainer(model: model, dataset: dataset, outputDirectory: output,
                              manifest: try manifest(name: name, model: model, clip: clip, data: root))
        try trainer.run(resume: false) { _ in }
        return trainer
    }
}
