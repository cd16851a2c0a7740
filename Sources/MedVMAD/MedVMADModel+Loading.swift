import CLIP
import Checkpoint
import Foundation
import Tensor

extension MedVMADModel {
    /// Token ids (Int) of the config's two prompt strings.
    public static func promptIds(for prompt: MedVMADConfig.PromptSettings, contextLength: Int, tokenizer: CLIPTokenizer) throws -> [[Int]] {
        try tokenizer.tokenize(prompt.texts, contextLength: contextLength).map { $0.map(Int.init) }
    }

    /// Loads a model folder: `medvmad.json`, `learned.safetensors` and the CLIP weights it names,
    /// checking that those weights are the ones the model was trained on (size and SHA-256, then shapes).
    /// - Parameters:
    ///   - className: replaces the organ name in the prompts (zero-shot use on another organ).
    ///   - clipPath: use these CLIP weights instead of the recorded path (they must still match the hash).
    ///   - clip: an already loaded backbone to share (must be the same file); skips reading it again.
    public static func load(modelDirectory: String, className: String? = nil, clipPath: String? = nil,
                            clip: CLIPCheckpoint? = nil, verifyHash: Bool = true) throws -> (model: MedVMADModel, manifest: ModelManifest) {
        var manifest = try ModelManifest.read(modelDirectory: modelDirectory)
        let weightsPath = clipPath ?? manifest.clipPath(modelDirectory: modelDirectory)
        let checkpoint: CLIPCheckpoint
        // The SHA-256 of the weights runs on its own thread while they load (≈ 1.2 s for ViT-L, so
        // it costs no start-up time on two cores); nothing is returned before it matched.
        var pendingHash: (file: String, digest: PendingDigest)?
        /// Throws `weightsMismatch` unless the weights hashed to the recorded SHA-256 (the hashing's
        /// own error when it could not read them; a no-op when not verifying).
        func checkHash() throws {
            guard let (file, digest) = pendingHash else { return }
            let hash = try digest.wait()
            if hash != manifest.clip.sha256 {
                throw MedVMADError.weightsMismatch(path: file, reason: "SHA-256 \(hash.prefix(16))… differs from the recorded \(manifest.clip.sha256.prefix(16))…")
            }
        }
        if let clip {
            checkpoint = clip
        } else {
            let resolved: (file: String, config: CLIPConfig, source: String)
            do { resolved = try CLIPCheckpoint.resolve(path: weightsPath) } catch {
                throw MedVMADError.weightsMismatch(path: modelDirectory, reason: "CLIP weights '\(weightsPath)' recorded in \(ModelManifest.fileName): \(error)")
            }
            if verifyHash {
                let size = ((try? FileManager.default.attributesOfItem(atPath: resolved.file))?[.size] as? NSNumber)?.int64Value ?? -1
                if size != manifest.clip.sizeBytes {
                    throw MedVMADError.weightsMismatch(path: resolved.file, reason: "file is \(size) bytes, the model was trained on a \(manifest.clip.sizeBytes)-byte file (SHA-256 \(manifest.clip.sha256.prefix(16))…)")
                }
                pendingHash = (resolved.file, FileDigest.sha256InBackground(path: resolved.file))
            }
            do { checkpoint = try CLIPCheckpoint.load(path: weightsPath) } catch {
                // Altered weights: the hash names the cause better than whatever the reader met.
                do { try checkHash() } catch let mismatch as MedVMADError { throw mismatch } catch {}
                throw error
            }
        }
        guard checkpoint.config == manifest.clip.config else {
            try checkHash()
            throw MedVMADError.weightsMismatch(path: checkpoint.weightsPath, reason: "architecture differs from the one recorded in \(ModelManifest.fileName)")
        }
        if let className { manifest.model.prompt.className = className }
        let ids = try promptIds(for: manifest.model.prompt, contextLength: checkpoint.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: manifest.model, clipWeights: checkpoint.weights, clipConfig: checkpoint.config, promptIds: ids)
        let learnedPath = (modelDirectory as NSString).appendingPathComponent(ModelManifest.learnedFileName)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: learnedPath) } catch {
            throw MedVMADError.invalidModel(path: learnedPath, reason: "\(error)")
        }
        var tensors: [String: Tensor] = [:]
        for n in file.names { tensors[n] = try file.tensor(n) }
        try model.params.load(tensors, path: learnedPath)
        try checkHash()
        return (model, manifest)
    }

    /// Saves the learned parameters and the manifest into a model folder (each file atomically).
    public func save(modelDirectory: String, manifest: ModelManifest) throws {
        try FileManager.default.createDirectory(atPath: modelDirectory, withIntermediateDirectories: true)
        try SafetensorsWriter.write(params.tensors(), metadata: ["format": "medvmad-learned", "profile": config.profile],
                                    to: (modelDirectory as NSString).appendingPathComponent(ModelManifest.learnedFileName))
        try manifest.write(modelDirectory: modelDirectory)
    }
}
