import ArgumentParser
import Foundation
import MedVMAD

/// `medvmad eval`.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate models on a BMAD-layout split: Table 1 metrics, per-image scores and figures.",
        discussion: """
            Writes metrics.json, table.md, table.csv, scores.csv, heatmaps.png, roc.png and pr.png into --output. \
            Zero-shot evaluation on another organ is the same command with --class-name. Nothing is tuned on the split. \
            Verdict metrics (sensitivity, specificity, PPV, NPV; abnormal iff score > threshold) use, per model: \
            --threshold when given; else a threshold measured at --specificity on the normal images of the data \
            folder's 'valid' split (--calibrate-on, default when that split exists; never the evaluated or the test split); \
            else the model folder's calibration.json; else none, and the table says why.
            """)

    @Option(help: "Model folder (repeat for several models).") var model: [String]
    @Option(help: "BMAD-layout data folder.") var data: String
    @Option(help: "Split to evaluate.") var split = "test"
    @Option(help: "Organ or object name in the prompts (zero-shot use on another organ).") var className: String?
    @Option(help: "Images per forward pass.") var batchSize = 8
    @Option(help: "Report folder.") var output: String
    @Option(help: "Abnormal images in the heat-map figure.") var figureAbnormal = 3
    @Option(help: "Normal images in the heat-map figure.") var figureNormal = 2
    @Option(help: "Folder for the temporary map files (default: the system temporary folder).") var tempDir: String?
    @Option(help: "CPU threads for BLAS and elementwise work.") var threads: Int?
    @Option(help: "Image-score threshold for the verdict metrics, set by hand (once for all models, or once per model in order).") var threshold: [Float] = []
    @Option(help: "Where a threshold is measured when none is given: auto (the 'valid' split when present, else the model's calibration.json), a split name, model (calibration.json only) or none.")
    var calibrateOn = "auto"
    @Option(help: "Specificity of a threshold measured on the calibration split, in (0, 1).") var specificity = 0.95
    @Option(help: "MVFA few-shot mode: folder of normal support images (PNG) for the memory bank of adapter models.") var fewShotNormals: String?
    @Option(help: "Support images taken (by file name) from --few-shot-normals.") var shots = 4

    func validate() throws {
        if model.isEmpty { throw ValidationError("give at least one --model") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if threshold.count > 1 && threshold.count != model.count {
            throw ValidationError("give one --threshold for all models or one per --model (\(threshold.count) for \(model.count))")
        }
        if threshold.contains(where: { !$0.isFinite }) { throw ValidationError("--threshold must be a finite number") }
        guard specificity > 0, specificity < 1 else { throw ValidationError("--specificity must be in (0, 1)") }
        if calibrateOn == split || calibrateOn == "test" {
            throw ValidationError("--calibrate-on \(calibrateOn): thresholds are never selected on the evaluated or the test split")
        }
    }

    func run() throws {
        Terminal.configureThreads(threads)
        let dataset = try BMADDataset.load(root: data, split: split)
        FileHandle.standardError.write(Data("data: \(dataset.items.count) images (\(dataset.normalCount) normal, \(dataset.abnormalCount) abnormal) in \(data)/\(split)\n".utf8))
        if dataset.abnormalCount == 0 || dataset.normalCount == 0 {
            FileHandle.standardError.write(Data("note: the split has no \(dataset.abnormalCount == 0 ? "abnormal" : "normal") images; AUROC, AP and AUPRO are reported as undefined\n".utf8))
        }
        let models = try model.map { try MedVMADInference.load(modelDirectory: $0, className: className) }
        if let fewShotNormals {
            for m in models where m.model.config.patchFeatureSource == .adapters {
                FileHandle.standardError.write(Data("few-shot: \(shots) normal image(s) of \(fewShotNormals) for \(m.modelDirectory)\n".utf8))
                m.fewShot = try MVFAFewShotFusion.prepare(model: m.model, normalsDirectory: fewShotNormals, shots: shots, dataset: dataset, batchSize: batchSize)
            }
        }
        let evaluator = Evaluator(dataset: dataset, options: .init(batchSize: batchSize, figureAbnormalCount: figureAbnormal,
                                                                   figureNormalCount: figureNormal, temporaryDirectory: tempDir,
                                                                   thresholds: ThresholdPlan(manual: threshold, calibration: ThresholdPlan.calibration(option: calibrateOn),
                                                                                             specificity: specificity)))
        let report = try evaluator.run(models: models, classNameOverride: className, outputDirectory: output) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if let table = FileManager.default.contents(atPath: (output as NSString).appendingPathComponent("table.md")) {
            print(String(decoding: table, as: UTF8.self))
        }
        print("report written to \(output) (\(report.figures.count) figures)")
    }
}
