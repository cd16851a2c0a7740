import ArgumentParser
import CLIP
import Checkpoint
import Foundation
import MedVMAD

/// `medvmad import`: a checkpoint of the public MedVMAD code → a model folder.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a checkpoint saved by the public MedVMAD or MVFA-AD code (prompt_learner, seg_adapters, det_adapters; MVFA: --profile mvfa) or AnomalyCLIP code (prompt_learner, with --profile anomalyclip) into a model folder.")

    @Argument(help: "The .pth checkpoint.") var checkpoint: String
    @Option(help: "The CLIP weights it was trained on.") var clip: String
    @Option(help: "Output model folder.") var output: String
    @Option(help: "Profile whose settings the checkpoint follows.") var profile = "medvmad-seed"
    @Option(help: "Organ or object name in the prompts.") var className: String?
    @Option(help: "Architecture for CLIP files without a config.json.") var preset: String?
    @Option(help: "Comma-separated feature layers, when the checkpoint's differ from the profile's (e.g. 6,12,18,24).") var featureLayers: String?

    func run() throws {
        guard let prof = MedVMADConfig.Profile(rawValue: profile) else { throw ValidationError("unknown profile '\(profile)'") }
        let presetValue = try parsePreset(preset)
        let ckpt = try CLIPCheckpoint.load(path: clip, preset: presetValue)
        var config = prof.config(clip: ckpt.config)
        if let className { config.prompt.className = className }
        if let featureLayers {
            let layers = featureLayers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !layers.isEmpty else { throw ValidationError("--feature-layers: give layer numbers such as 6,12,18,24") }
            config.featureLayers = layers
        }
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: ckpt.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: ckpt.weights, clipConfig: ckpt.config, promptIds: ids)
        try PublicCheckpointImport.load(path: checkpoint, into: model.params)
        let manifest = ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: (output as NSString).lastPathComponent,
            description: "Imported from \((checkpoint as NSString).lastPathComponent) (public \(prof == .mvfa ? "MVFA-AD" : prof == .anomalyclip ? "AnomalyCLIP" : "MedVMAD") code layout), profile \(config.profile)",
            model: config,
            clip: try .init(describing: ckpt),
            provenance: .init(software: "medvmad \(medvmadVersion)", createdAt: ISO8601DateFormatter().string(from: Date()),
                              trainingData: nil, trainingImages: nil, epochsCompleted: 0, seed: nil, notes: "imported from \(checkpoint)"))
        try model.save(modelDirectory: output, manifest: manifest)
        print("imported \(model.params.count) parameters into \(output)")
    }
}
