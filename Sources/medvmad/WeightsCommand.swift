import ArgumentParser
import CLIP
import Checkpoint
import Foundation

/// `medvmad weights inspect|convert`.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "weights", abstract: "Inspect or convert CLIP weights.",
                                                    subcommands: [Inspect.self, Convert.self, Random.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a CLIP checkpoint: format, dtypes, architecture, parameter count, problems.")
        @Argument(help: "A weights file (.safetensors, .bin, .pt) or a model folder.") var path: String
        @Option(help: "Architecture for files without a config.json (ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336).") var preset: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var report: [String: Any] = ["path": path]
            var problems: [String] = []
            let presetValue = try parsePreset(preset)
            var resolved: (file: String, config: CLIPConfig, source: String)?
            do { resolved = try CLIPCheckpoint.resolve(path: path, preset: presetValue) } catch { problems.append("\(error)") }
            let file = resolved?.file ?? path
            report["weights_file"] = file
            do {
                let archive = try CheckpointArchive.open(path: file)
                report["format"] = archive.format.rawValue
                var dtypes: [String: Int] = [:]
                var params = 0
                for e in archive.entries { dtypes[e.dtype.rawValue, default: 0] += 1; params += e.count }
                report["tensors"] = archive.entries.count
                report["dtypes"] = dtypes
                report["parameters"] = params
                if !archive.scalars.isEmpty { report["ignored_scalars"] = archive.scalars.keys.sorted() }
                report["layout"] = CLIPWeights.layout(of: archive)?.rawValue ?? "not a CLIP checkpoint"
                if let r = resolved {
                    report["config_source"] = r.source
                    let v = r.config.vision, t = r.config.text
                    report["architecture"] = "vision \(v.layers)×\(v.width) (\(v.heads) heads, patch \(v.patchSize), \(v.imageSize) px, \(v.activation.rawValue)); text \(t.layers)×\(t.width) (\(t.heads) heads); embedding \(r.config.projectionDim)"
                    do { _ = try CLIPWeights.load(from: archive, config: r.config) } catch { problems.append("\(error)") }
                }
            } catch {
                problems.append("\(error)")
            }
            report["problems"] = problems
            if json {
                print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            } else {
                for key in ["path", "weights_file", "format", "layout", "config_source", "architecture", "tensors", "parameters", "dtypes", "ignored_scalars"] {
                    if let v = report[key] { print("\(key.replacingOccurrences(of: "_", with: " ")): \(v)") }
                }
                print(problems.isEmpty ? "problems: none (every tensor present with the expected shape)" : "problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Convert any supported CLIP checkpoint to a folder with config.json + model.safetensors (memory-mapped on later loads).")
        @Argument(help: "A weights file or model folder.") var path: String
        @Option(help: "Output folder.") var output: String
        @Option(help: "Architecture for files without a config.json.") var preset: String?

        func run() throws {
            let presetValue = try parsePreset(preset)
            let ckpt = try CLIPCheckpoint.load(path: path, preset: presetValue)
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let config = try JSONSerialization.data(withJSONObject: ckpt.config.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
            let configPath = (output as NSString).appendingPathComponent("config.json")
            try config.write(to: URL(fileURLWithPath: configPath + ".partial"))
            guard rename(configPath + ".partial", configPath) == 0 else { throw ValidationError("cannot write \(configPath)") }
            try SafetensorsWriter.write(ckpt.weights.huggingFaceTensors(), metadata: ["format": "pt", "converted_from": (ckpt.weightsPath as NSString).lastPathComponent],
                                        to: (output as NSString).appendingPathComponent("model.safetensors"))
            print("wrote \(output)/config.json and \(output)/model.safetensors (from \(ckpt.format.rawValue), \(ckpt.layout.rawValue) names; config from \(ckpt.configSource))")
        }
    }

    struct Random: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a CLIP-shaped backbone with random weights (for demonstrations and benchmarks; not a pretrained model).")
        @Option(help: "A Hugging Face config.json describing the architecture.") var config: String?
        @Option(help: "Or an architecture preset (ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336).") var preset: String?
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output folder (config.json + model.safetensors).") var output: String

        func run() throws {
            let clipConfig: CLIPConfig
            if let config {
                clipConfig = try CLIPConfig.load(huggingFaceConfig: config)
            } else if let preset, let p = CLIPConfig.Preset(name: preset) {
                clipConfig = p.config
            } else {
                throw ValidationError("give --config FILE or a known --preset")
            }
            let weights = CLIPWeights.random(config: clipConfig, seed: seed)
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: clipConfig.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: (output as NSString).appendingPathComponent("config.json")), options: .atomic)
            try SafetensorsWriter.write(weights.huggingFaceTensors(), metadata: ["format": "pt", "random_seed": "\(seed)", "note": "random weights, not pretrained"],
                                        to: (output as NSString).appendingPathComponent("model.safetensors"))
            print("wrote a random-weight CLIP backbone (seed \(seed)) to \(output)")
        }
    }
}
