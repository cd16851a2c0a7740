import ArgumentParser
import CLIP
import Checkpoint
import Foundation
import MedVMAD

/// `medvmad train`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train prompts and adapters on a BMAD-layout folder.")

    @Option(help: "CLIP weights: a file (.pt, .bin, .safetensors) or a model folder.") var clip: String
    @Option(help: "BMAD-layout data folder.") var data: String
    @Option(help: "Output model folder.") var output: String
    @Option(help: "Split to train on.") var split = "train"
    @Option(help: "Profile: \(MedVMADConfig.Profile.allCases.map(\.rawValue).joined(separator: ", ")).") var profile = "medvmad"
    @Option(help: "Organ or object name in the prompts.") var className: String?
    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Learning rate.") var lr: Float?
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(help: "Image size (default: the CLIP config's).") var imageSize: Int?
    @Option(help: "CPU threads for BLAS and elementwise work.") var threads: Int?
    @Option(help: "Architecture for CLIP files without a config.json.") var preset: String?
    @Flag(help: "Continue an interrupted run in --output.") var resume = false

    func run() throws {
        Terminal.configureThreads(threads)
        guard let prof = MedVMADConfig.Profile(rawValue: profile) else {
            throw ValidationError("unknown profile '\(profile)'; available: \(MedVMADConfig.Profile.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let presetValue = try parsePreset(preset)
        let dataset = try BMADDataset.load(root: data, split: split)
        FileHandle.standardError.write(Data("data: \(dataset.items.count) images (\(dataset.normalCount) normal, \(dataset.abnormalCount) abnormal) in \(data)/\(split)\n".utf8))
        let checkpoint = try CLIPCheckpoint.load(path: clip, preset: presetValue)
        let resumeManifest = resume ? try? ModelManifest.read(modelDirectory: output) : nil
        var config: MedVMADConfig
        if let m = resumeManifest {
            config = m.model
        } else {
            config = prof.config(clip: checkpoint.config, className: className ?? (prof == .medvmadSeed ? "object" : "brain"))
            if let epochs { config.training.epochs = epochs }
            if let batchSize { config.training.batchSize = batchSize }
            if let lr { config.training.learningRate = lr }
            if let seed { config.training.seed = seed }
            if let imageSize { config.imageSize = imageSize }
        }
        if resume, let epochs { config.training.epochs = epochs }
        try config.validate(path: "command line", clip: checkpoint.config)
        let manifest = try resumeManifest ?? ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: (output as NSString).lastPathComponent,
            description: "MedVMAD (\(config.profile)) trained with medvmad on \(dataset.items.count) images of \(data)",
            model: config,
            clip: try .init(describing: checkpoint),
            provenance: .init(software: "medvmad \(medvmadVersion)", createdAt: ISO8601DateFormatter().string(from: Date()),
                              trainingData: "\(data)/\(split)", trainingImages: dataset.items.count, epochsCompleted: 0, seed: config.training.seed, notes: ""))
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: checkpoint.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: checkpoint.weights, clipConfig: checkpoint.config, promptIds: ids)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let trainer = Trainer(model: model, dataset: dataset, outputDirectory: output, manifest: manifest)
        try trainer.run(resume: resume) { event in
            switch event {
            case let .batch(epoch, epochs, batch, batches, loss, elapsed):
                Terminal.progress(done: batch, total: batches, label: "epoch \(epoch)/\(epochs)", detail: String(format: "loss %.4f", loss), elapsed: elapsed)
            case let .epochDone(r):
                if Terminal.isInteractive { FileHandle.standardError.write(Data("\n".utf8)) }
                print(String(format: "epoch %d: image loss %.4f, segmentation loss %.4f, %.1f s", r.epoch, r.imageLoss, r.segmentationLoss, r.seconds))
            case let .resumed(from):
                print("resuming after epoch \(from)")
            }
        }
        print("model written to \(output)")
    }
}

let medvmadVersion = "0.1.0"
