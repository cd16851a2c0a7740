import Checkpoint
import Foundation
import Tensor

/// Reads learned parameters saved by the public MedVMAD / AnomalyCLIP / MVFA code (`torch.save` pickles).
///
/// Key table (public code → `learned.safetensors`):
/// - `prompt_learner.ctx_pos` [1,1,n,D] → `prompt.ctx_normal` [n,D]; `prompt_learner.ctx_neg` → `prompt.ctx_abnormal`
/// - `prompt_learner.compound_prompts_text.j` [t,D] → `prompt.deep.j`
/// - `seg_adapters.k.fc1.0.weight` / `fc2.0.weight` → `adapters.seg.k.fc1.weight` / `fc2.weight` (same for `det_adapters`)
/// MVFA-AD saves `{"seg_adapters": …, "det_adapters": …}` (adapters only), which reads through the same
/// table into the `mvfa` profile's layout.
/// Buffers and unused tensors of the public code (`token_prefix_*`, `token_suffix_*`, `tokenized_prompts_*`,
/// `compound_prompt_projections.*`) are recognised and skipped; any other name is an error.
public enum PublicCheckpointImport {
    static let skippedPrefixes = ["prompt_learner.token_prefix", "prompt_learner.token_suffix", "prompt_learner.tokenized_prompts",
                                  "prompt_learner.compound_prompt_projections"]

    /// The parameters in `path`, renamed and reshaped to the layout of `params` (which is filled).
    public static func load(path: String, into params: ParameterSet) throws {
        let archive: LoadedCheckpoint
        do { archive = try CheckpointArchive.open(path: path) } catch {
            throw MedVMADError.invalidModel(path: path, reason: "\(error)")
        }
        var tensors: [String: Tensor] = [:]
        for name in archive.names {
            if skippedPrefixes.contains(where: { name.hasPrefix($0) }) { continue }
            guard let target = rename(name) else {
                throw MedVMADError.invalidModel(path: path, reason: "tensor '\(name)' is not part of the public MedVMAD checkpoint layout")
            }
            var t = try archive.tensor(name)
            if let shape = params.shapes[target], shape.reduce(1, *) == t.count { t = t.reshaped(shape) }
            tensors[target] = t
        }
        try params.load(tensors, path: path)
    }

    static func rename(_ name: String) -> String? {
        if name == "prompt_learner.ctx_pos" { return "prompt.ctx_normal" }
        if name == "prompt_learner.ctx_neg" { return "prompt.ctx_abnormal" }
        let parts = name.split(separator: ".").map(String.init)
        if parts.count == 3, parts[0] == "prompt_learner", parts[1] == "compound_prompts_text", Int(parts[2]) != nil { return "prompt.deep.\(parts[2])" }
        if parts.count == 5, ["seg_adapters", "det_adapters"].contains(parts[0]), Int(parts[1]) != nil, ["fc1", "fc2"].contains(parts[2]), parts[3] == "0", parts[4] == "weight" {
            return "adapters.\(parts[0] == "seg_adapters" ? "seg" : "det").\(parts[1]).\(parts[2]).weight"
        }
        return nil
    }
}
