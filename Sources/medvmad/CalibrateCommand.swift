import ArgumentParser
import Foundation
import MedVMAD
import Raster

/// `medvmad calibrate`: measures decision thresholds and the heat-map scale on normal images and
/// stores them in the model folder's `calibration.json`; or sets a threshold by hand.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate a model's thresholds and heat-map scale on normal images (writes calibration.json in the model folder).",
        discussion: """
        The image threshold is the order statistic k = ceil(p·(n+1)) of the n normal scores at specificity p \
        (abnormal iff score > threshold): the expected false-positive rate on new normals is at most 1 − p; \
        with fewer than p/(1−p) normals the maximum is used and the file says the specificity is not guaranteed. \
        The pixel threshold is the (1 − fpr) quantile of all normal map values; the heat-map scale runs from \
        their median (no colour) to their 99.9th percentile (full colour).
        """)

    @Option(help: "Model folder (medvmad.json, learned.safetensors).") var model: String
    @Option(help: "Normal images: a BMAD-layout folder (its <split>/good images are used) or a plain folder of PNGs.") var normals: String?
    @Option(help: "Split of a BMAD-layout folder.") var split = "valid"
    @Option(help: "Specificity of the image threshold, in (0, 1).") var specificity = 0.95
    @Option(name: .customLong("pixel-fpr"), help: "False-positive rate over normal pixels of the pixel threshold, in (0, 1).") var pixelFPR = 0.01
    @Option(help: "Organ or object name in the prompts (the calibration is valid for this name only).") var className: String?
    @Option(help: "Images per batch.") var batchSize = 8
    @Option(help: "CPU threads for BLAS and elementwise work.") var threads: Int?
    @Flag(help: "Analyse the normals in overlapping native-resolution tiles (as large MG/DBT/CR/DX images are analysed).") var tiled = false
    @Option(help: "Tile size in pixels (default: the model input size).") var tileSize: Int?
    @Option(help: "Tile stride in pixels (default: half the tile).") var tileStride: Int?
    @Option(help: "Tile blending window: \(TileWindow.allCases.map(\.rawValue).joined(separator: ", ")).") var tileWindow = "hann"
    @Option(help: "Set the image threshold by hand instead of calibrating (kept beside any calibration; source \"manual\").") var setThreshold: Float?
    @Option(help: "Why the manual threshold was chosen (stored with it).") var note = ""
    @Flag(help: "Remove a manual threshold.") var clearThreshold = false
    @Option(help: "Write figures (PNG, on the calibrated scale, verdict burned in) of the highest-scoring normals and their verdicts (verdicts.json) to this folder.") var preview: String?
    @Option(help: "How many normals --preview shows.") var previewCount = 4

    func validate() throws {
        if setThreshold == nil && !clearThreshold && normals == nil {
            throw ValidationError("give --normals to calibrate, or --set-threshold / --clear-threshold")
        }
        if let t = setThreshold, !t.isFinite { throw ValidationError("--set-threshold must be a finite number") }
        guard specificity > 0, specificity < 1 else { throw ValidationError("--specificity must be in (0, 1)") }
        guard pixelFPR > 0, pixelFPR < 1 else { throw ValidationError("--pixel-fpr must be in (0, 1)") }
        guard TileWindow(rawValue: tileWindow) != nil else { throw ValidationError("unknown --tile-window '\(tileWindow)'") }
    }

    func run() throws {
        Terminal.configureThreads(threads)
        var file = try CalibrationFile.read(modelDirectory: model) ?? CalibrationFile()
        if clearThreshold { file.manualThreshold = nil }
        if let t = setThreshold {
            file.manualThreshold = .init(value: t, note: note, setAt: ISO8601DateFormatter().string(from: Date()))
        }
        let inference = try MedVMADInference.load(modelDirectory: model, className: className)
        var scored: (paths: [String], scores: [Float])? = nil
        if let normals {
            let images = try NormalImages.find(root: normals, split: split)
            FileHandle.standardError.write(Data("calibrating on \(images.paths.count) normal images in \(images.description)\n".utf8))
            let tiling = tiled || tileSize != nil || tileStride != nil
                ? TilingOptions(tileSize: tileSize, stride: tileStride, window: TileWindow(rawValue: tileWindow)!) : nil
            let calibrator = Calibrator(specificity: specificity, pixelFalsePositiveRate: pixelFPR, tiling: tiling, batchSize: batchSize)
            let start = Date()
            let (calibration, scores) = try calibrator.calibrateKeepingScores(inference, normals: images, software: "medvmad \(medvmadVersion)") { done, total in
                Terminal.progress(done: done, total: total, label: "normals", detail: "", elapsed: Date().timeIntervalSince(start), final: done == total)
            }
            file.calibration = calibration
            scored = (images.paths, scores)
        }
        try file.write(modelDirectory: model)
        // Read back what consumers will read, with the same checks.
        let policy = try DecisionPolicy.load(for: inference)
        print("wrote \(CalibrationFile.path(modelDirectory: model))")
        if let c = policy.calibration {
            let t = c.imageThreshold
            print("image threshold \(String(format: "%.4f", t.value)): order statistic \(t.orderStatistic) of \(t.sampleSize) normal scores, specificity on them \(String(format: "%.4f", t.sampleSpecificity))"
                  + (t.guaranteed ? "" : " — too few normals to guarantee specificity \(t.specificity) (need at least \(Int((t.specificity / (1 - t.specificity)).rounded(.up))))"))
            print("pixel threshold \(String(format: "%.4f", c.pixelThreshold.value)) at false-positive rate \(c.pixelThreshold.falsePositiveRate) over \(c.pixelThreshold.pixelCount) normal pixels")
            print("normal scores: " + c.scoreQuantiles.map { "p\(ModelCalibration.format100($0.level)) \(String(format: "%.3f", $0.value))" }.joined(separator: ", "))
        }
        print("decision threshold: \(policy.imageThreshold.summary)")
        print("heat-map scale: \(policy.scale.description)")
        if let preview {
            guard let scored else { throw ValidationError("--preview needs --normals") }
            try writePreview(to: preview, inference: inference, policy: policy, paths: scored.paths, scores: scored.scores)
        }
    }

    /// Figures and verdicts of the highest-scoring normals: what a false positive at this threshold looks like.
    func writePreview(to folder: String, inference: MedVMADInference, policy: DecisionPolicy, paths: [String], scores: [Float]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(max(0, previewCount))
        let figure = VerdictFigure(policy: policy, minimumSide: 480)
        var entries: [PreviewEntry] = []
        for i in top {
            let slice = try PNGFile.read(paths[i])
            guard let result = try inference.score(images: [slice]).first else { continue }
            let verdict = policy.verdict(result)
            let name = String(format: "normal-%02d-", entries.count) + ((paths[i] as NSString).lastPathComponent as NSString).deletingPathExtension + ".png"
            let out = (folder as NSString).appendingPathComponent(name)
            try PNGFile.write(try figure.render(slice: slice, result: result), to: out)
            entries.append(PreviewEntry(image: paths[i], figure: out, verdict: verdict))
        }
        let flagged = scores.filter { $0 > policy.imageThreshold.value }.count
        let report = PreviewReport(threshold: policy.imageThreshold, pixelThreshold: policy.pixelThreshold,
                                   heatmapScale: .init(lo: policy.scale.lo, hi: policy.scale.hi, description: policy.scale.description),
                                   normalsAboveThreshold: flagged, normalCount: scores.count, highestScoring: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let path = (folder as NSString).appendingPathComponent("verdicts.json")
        try encoder.encode(report).write(to: URL(fileURLWithPath: path))
        print("preview: \(entries.count) figures and \(path) (\(flagged) of \(scores.count) normals above the threshold)")
    }

    struct PreviewEntry: Encodable {
        let image: String
        let figure: String
        let verdict: SliceVerdict
    }

    struct PreviewScale: Encodable {
        let lo: Float
        let hi: Float
        let description: String
    }

    struct PreviewReport: Encodable {
        let threshold: DecisionThreshold
        let pixelThreshold: DecisionThreshold
        let heatmapScale: PreviewScale
        let normalsAboveThreshold: Int
        let normalCount: Int
        let highestScoring: [PreviewEntry]
    }
}
