import CLIP
import Checkpoint
import FixtureSupport
import Foundation
import Raster
import XCTest
@testable import MedVMAD

/// One small calibration with the tiny CLIP fixture: a model folder built with random learned
/// parameters, a BMAD-layout split of random normal images, `Calibrator` on top, and the
/// thresholds checked against scores computed independently with `MedVMADInference`.
final class CalibrationEndToEndTests: XCTestCase {
    var work: String = ""

    override func setUpWithError() throws {
        work = NSTemporaryDirectory() + "medvmad-calibration-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// Writes a model folder for the tiny CLIP with parameters initialised from `seed`.
    static func makeModel(at dir: String, seed: UInt64) throws {
        let set = try XCTUnwrap(Fixtures.clipSets.first { $0.lastPathComponent == "tiny-clip" }, "tiny-clip fixture set")
        let weights = set.appendingPathComponent("model.safetensors").path
        let checkpoint = try CLIPCheckpoint.load(path: weights)
        let config = MedVMADConfig.Profile.medvmad.config(clip: checkpoint.config, className: "brain")
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: checkpoint.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: checkpoint.weights, clipConfig: checkpoint.config, promptIds: ids)
        model.params.initialise(seed: seed)
        let size = ((try FileManager.default.attributesOfItem(atPath: weights))[.size] as? NSNumber)?.int64Value ?? 0
        let manifest = ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: "tiny-test", description: "random parameters on the tiny CLIP (test only)",
            model: config,
            clip: .init(path: weights, sha256: try FileDigest.sha256(path: weights), sizeBytes: size, config: checkpoint.config,
                        configSource: checkpoint.configSource),
            provenance: .init(software: "test", createdAt: "2026-01-01T00:00:00Z", trainingData: nil, trainingImages: nil,
                              epochsCompleted: 0, seed: seed, notes: "test"))
        try model.save(modelDirectory: dir, manifest: manifest)
    }

    /// `count` random grey images under root/valid/good/img and one abnormal one without a mask.
    static func makeNormals(at root: String, count: Int) throws -> [String] {
        let good = "\(root)/valid/good/img", bad = "\(root)/valid/Ungood/img"
        try FileManager.default.createDirectory(atPath: good, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 42)
        func image() throws -> ByteImage {
            // Smooth-ish blobs rather than white noise, with a random brightness per image.
            let base = Int(rng.next() % 120)
            return try ByteImage(width: 48, height: 48, mode: .gray, pixels: (0..<(48 * 48)).map { i in
                UInt8(min(255, base + Int(rng.next() % 40) + ((i / 48) / 12 + (i % 48) / 12) * 10))
            })
        }
        var paths: [String] = []
        for i in 0..<count {
            let p = String(format: "%@/%03d.png", good, i)
            try PNGFile.write(try image(), to: p)
            paths.append(p)
        }
        try PNGFile.write(try image(), to: "\(bad)/000.png")
        return paths
    }

    func testCalibrationMatchesIndependentScoresAndIsUsedByConsumers() throws {
        let modelDir = work + "/model", dataDir = work + "/data"
        try Self.makeModel(at: modelDir, seed: 5)
        let paths = try Self.makeNormals(at: dataDir, count: 25)
        let inference = try MedVMADInference.load(modelDirectory: modelDir)

        let normals = try NormalImages.find(root: dataDir, split: "valid")
        XCTAssertEqual(normals.paths, paths, "only the good images, in order")
        let calibrator = Calibrator(specificity: 0.9, pixelFalsePositiveRate: 0.05, batchSize: 4)
        let c = try calibrator.calibrate(inference, normals: normals, software: "test")

        // Independent: score the same files in one go and apply the order-statistic rule by hand.
        let results = try inference.infer(images: try paths.map(PNGFile.read), batchSize: 25)
        let sorted = results.map(\.score).sorted()
        let k = Int((0.9 * Double(sorted.count + 1)).rounded(.up))  // ceil(0.9·26) = 24
        // Batching changes BLAS blocking, so scores agree to float rounding, not bitwise.
        XCTAssertEqual(c.imageThreshold.value, sorted[k - 1], accuracy: 1e-5)
        XCTAssertEqual(c.imageThreshold.orderStatistic, k)
        XCTAssertTrue(c.imageThreshold.guaranteed)
        let pixels = results.flatMap(\.map)
        let above = Double(pixels.filter { $0 > c.pixelThreshold.value }.count) / Double(pixels.count)
        XCTAssertLessThanOrEqual(above, 0.05 + 1e-3, "at most the requested pixel FPR (up to batching rounding)")
        let exact = ConformalThreshold.quantile(sorted: pixels.sorted(), 0.95)
        XCTAssertEqual(c.pixelThreshold.value, exact, accuracy: c.pixelThreshold.histogramBinWidth * 2)
        XCTAssertEqual(c.provenance.imageCount, 25)
        XCTAssertEqual(c.provenance.learnedSha256, try FileDigest.sha256(path: modelDir + "/learned.safetensors"))

        // Stored, read back, and used by consumers with its source.
        try CalibrationFile(calibration: c).write(modelDirectory: modelDir)
        XCTAssertNoThrow(try ModelManifest.read(modelDirectory: modelDir), "medvmad.json is untouched")
        let policy = try DecisionPolicy.load(for: inference)
        XCTAssertEqual(policy.calibration, c)
        XCTAssertEqual(policy.imageThreshold.source, .calibration)
        XCTAssertEqual(policy.imageThreshold.description, "calibration on \(dataDir)/valid (good) at specificity 0.9")
        let series = policy.seriesVerdict(results)
        XCTAssertEqual(series.flaggedSliceCount, results.filter { $0.score > c.imageThreshold.value }.count)
        XCTAssertEqual(series.score, sorted.last)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var snippet = series
        snippet.slices = Array(snippet.slices.prefix(2))
        let json = String(decoding: try encoder.encode(snippet), as: UTF8.self)
        print("results JSON (first two slices):\n\(json)")
        XCTAssertTrue(json.contains("\"source\" : \"calibration\""))
        XCTAssertTrue(json.contains(series.statement.replacingOccurrences(of: "/", with: "\\/")))

        // A manual threshold wins and says so.
        var file = try XCTUnwrap(try CalibrationFile.read(modelDirectory: modelDir))
        file.manualThreshold = .init(value: 1.25, note: "site review", setAt: "2026-01-02T00:00:00Z")
        try file.write(modelDirectory: modelDir)
        let manual = try DecisionPolicy.load(for: inference)
        XCTAssertEqual(manual.imageThreshold, DecisionThreshold(value: 1.25, source: .manual, description: "manual: site review"))

        // Another class name or other learned parameters: the calibration no longer applies.
        XCTAssertThrowsError(try DecisionPolicy.load(modelDirectory: modelDir, className: "liver", mapMaximum: inference.mapMaximum))
        inference.model.params.initialise(seed: 6)  // retrained, in effect (last use of this instance)
        try inference.model.save(modelDirectory: modelDir, manifest: inference.manifest)
        XCTAssertThrowsError(try DecisionPolicy.load(modelDirectory: modelDir, className: "brain", mapMaximum: inference.mapMaximum)) { e in
            XCTAssertTrue("\(e)".contains("calibration.json"), "\(e)")
        }
    }

    /// The real model behind `TiledInference`: a radiograph-sized image is tiled, its map has the
    /// image's size and its score is the best tile's score, scored independently here.
    func testTiledAnalysisWithTheModel() throws {
        try Self.makeModel(at: work + "/model", seed: 8)
        let inference = try MedVMADInference.load(modelDirectory: work + "/model")
        let s = inference.imageSize
        var rng = SplitMix64(seed: 9)
        let image = try ByteImage(width: 2 * s + 20, height: s + 10, mode: .gray, pixels: (0..<((2 * s + 20) * (s + 10))).map { _ in UInt8(rng.next() % 200) })
        XCTAssertFalse(try ImageAnalysis.analyse(image, with: inference, modality: "MR").tiled)
        let a = try ImageAnalysis.analyse(image, with: inference, modality: "MR", tiling: TilingOptions())
        XCTAssertTrue(a.tiled)
        XCTAssertEqual(a.map.width, image.width)
        XCTAssertEqual(a.map.height, image.height)
        let xs = TiledInference.origins(length: image.width, tile: s, stride: s / 2)
        let ys = TiledInference.origins(length: image.height, tile: s, stride: s / 2)
        var crops: [ByteImage] = []
        for y in ys { for x in xs { crops.append(try TiledInference.crop(image, x: x, y: y, size: s)) } }
        let best = try inference.infer(images: crops, batchSize: crops.count).map(\.score).max()!
        // Different batch sizes change BLAS blocking: float rounding only.
        XCTAssertEqual(a.score, best, accuracy: 1e-5)
        XCTAssertTrue(a.map.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= inference.mapMaximum })
    }

    func testCorruptCalibrationFileNamesTheFile() throws {
        try Data("{\"format_version\": 1, \"manual_threshold\": {\"value\": \"high\"}}".utf8).write(to: URL(fileURLWithPath: work + "/calibration.json"))
        XCTAssertThrowsError(try CalibrationFile.read(modelDirectory: work)) { e in
            XCTAssertTrue("\(e)".contains(work + "/calibration.json"), "\(e)")
        }
        XCTAssertNil(try CalibrationFile.read(modelDirectory: work + "/none"), "no file: uncalibrated")
    }
}
