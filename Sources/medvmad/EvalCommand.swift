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
            Zero-shot evaluation on another organ is the same command with --class-name. Nothing is tuned on the split.
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
    @Option(help: "MVFA few-shot mode: folder of normal support images (PNG) for the memory bank of adapter models.") var fewShotNormals: String?
    @Option(help: "Support images taken (by file name) from --few-shot-normals.") var shots = 4

    func validate() throws {
        if model.isEmpty { throw ValidationError("give at least one --model") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
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
                                                                   figureNormalCount: figureNormal, temporaryDirectory: tempDir))
        let report = try evaluator.run(models: models, classNameOverride: className, outputDirectory: output) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if let table = FileManager.default.contents(atPath: (output as NSString).appendingPathComponent("table.md")) {
            print(String(decoding: table, as: UTF8.self))
        }
        print("report written to \(output) (\(report.figures.count) figures)")
    }
}
