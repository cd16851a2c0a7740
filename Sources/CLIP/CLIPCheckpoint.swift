import Checkpoint
import Foundation
import Tensor

extension LoadedCheckpoint: TensorProvider {
    public var sourcePath: String { path }
    public var tensorNames: [String] { names }
    public func shape(of name: String) -> [Int]? { entry(name)?.shape }
}

/// CLIP weights as users hold them: a Hugging Face model folder, a converted folder, an OpenAI
/// `.pt` (TorchScript), a `torch.save` state dict, or a safetensors file — loaded strictly.
public struct CLIPCheckpoint: Sendable {
    /// The weights file actually read.
    public let weightsPath: String
    public let format: CheckpointFormat
    public let layout: WeightLayout
    public let config: CLIPConfig
    /// Where the config came from ("config.json at …", "preset ViT-L/14@336 (named)", …).
    public let configSource: String
    public let weights: CLIPWeights
    /// Non-tensor entries the file carried (e.g. OpenAI's `input_resolution`), ignored for the model.
    public let ignoredScalars: [String]

    /// Weight files looked for inside a model folder, in order.
    public static let folderWeightNames = ["model.safetensors", "pytorch_model.bin", "open_clip_model.safetensors", "open_clip_pytorch_model.bin"]

    /// Resolves `path` to a weights file and a config, then loads every tensor strictly.
    ///
    /// The config is never guessed from tensor shapes: it comes from `preset` when given, else from a
    /// `config.json` beside the weights, else from an OpenAI release file name (`ViT-L-14-336px.pt`);
    /// then every tensor shape is checked against it.
    public static func load(path: String, preset: CLIPConfig.Preset? = nil) throws -> CLIPCheckpoint {
        let (file, config, source) = try resolve(path: path, preset: preset)
        let archive: LoadedCheckpoint
        do { archive = try CheckpointArchive.open(path: file) } catch let e as CheckpointError { throw e }
        guard let layout = CLIPWeights.layout(of: archive) else {
            throw CLIPError.unknownLayout(path: file, reason: "neither Hugging Face nor OpenAI CLIP tensor names (found e.g. \(archive.names.prefix(3)))")
        }
        let weights = try CLIPWeights.load(from: archive, config: config)
        return CLIPCheckpoint(weightsPath: file, format: archive.format, layout: layout, config: config, configSource: source,
                              weights: weights, ignoredScalars: archive.scalars.keys.sorted())
    }

    /// The weights file, its config and where the config came from, without reading tensors.
    public static func resolve(path: String, preset: CLIPConfig.Preset? = nil) throws -> (file: String, config: CLIPConfig, source: String) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CLIPError.invalidConfig(path: path, reason: "no such file or folder")
        }
        let folder = isDir.boolValue ? path : (path as NSString).deletingLastPathComponent
        var file = path
        if isDir.boolValue {
            guard let name = folderWeightNames.first(where: { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }) else {
                throw CLIPError.invalidConfig(path: path, reason: "the folder holds none of \(folderWeightNames.joined(separator: ", "))")
            }
            file = (path as NSString).appendingPathComponent(name)
        }
        if let preset { return (file, preset.config, "preset \(preset.rawValue) (named)") }
        let configPath = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: configPath) {
            return (file, try CLIPConfig.load(huggingFaceConfig: configPath), "config.json at \(configPath)")
        }
        let base = (file as NSString).lastPathComponent
        if let p = CLIPConfig.Preset.allCases.first(where: { $0.releaseFileName == base }) {
            return (file, p.config, "preset \(p.rawValue) (OpenAI release file name \(base))")
        }
        throw CLIPError.invalidConfig(path: file, reason: "no config.json beside it and not an OpenAI release file name; name the architecture with --preset (\(CLIPConfig.Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
}
