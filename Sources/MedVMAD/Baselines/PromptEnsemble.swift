import CLIP
import Tensor

/// A fixed set of prompt sentences per class, encoded once and averaged (MVFA-AD's text side).
///
/// Sentences of a class: every state (with the object name put in) inside every template, state-major.
/// Each sentence is encoded by the text tower (EOT pooling, projection) and L2-normalised; the class
/// vector is their mean, normalised again.
public struct PromptEnsemble: Codable, Sendable, Equatable {
    /// States with `{}` for the object name.
    public var normalStates: [String]
    public var abnormalStates: [String]
    /// Sentence templates with `{}` for the state.
    public var templates: [String]

    public init(normalStates: [String], abnormalStates: [String], templates: [String]) {
        self.normalStates = normalStates
        self.abnormalStates = abnormalStates
        self.templates = templates
    }

    /// MVFA-AD's ensemble: 7 normal and 5 abnormal states × 35 CLIP-style templates (order as in its code).
    public static let mvfa = PromptEnsemble(
        normalStates: ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw", "{} without defect", "{} without damage"],
        abnormalStates: ["damaged {}", "broken {}", "{} with flaw", "{} with defect", "{} with damage"],
        templates: [
            "a bad photo of a {}.", "a low resolution photo of the {}.", "a bad photo of the {}.", "a cropped photo of the {}.",
            "a bright photo of a {}.", "a dark photo of the {}.", "a photo of my {}.", "a photo of the cool {}.",
            "a close-up photo of a {}.", "a black and white photo of the {}.", "a bright photo of the {}.", "a cropped photo of a {}.",
            "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.", "a photo of the {}.", "a good photo of the {}.",
            "a photo of one {}.", "a close-up photo of the {}.", "a photo of a {}.", "a low resolution photo of a {}.",
            "a photo of a large {}.", "a blurry photo of a {}.", "a jpeg corrupted photo of the {}.", "a good photo of a {}.",
            "a photo of the small {}.", "a photo of the large {}.", "a black and white photo of a {}.", "a dark photo of a {}.",
            "a photo of a cool {}.", "a photo of a small {}.", "there is a {} in the scene.", "there is the {} in the scene.",
            "this is a {} in the scene.", "this is the {} in the scene.", "this is one {} in the scene.",
        ])

    /// The sentences of the normal and the abnormal class for an object name.
    public func sentences(className: String) -> [[String]] {
        [normalStates, abnormalStates].map { states in
            states.flatMap { state in
                let s = state.replacingOccurrences(of: "{}", with: className)
                return templates.map { $0.replacingOccurrences(of: "{}", with: s) }
            }
        }
    }

    /// Unit text features [2, E] (normal, abnormal) from `text`.
    public func textFeatures(text: TextTower, className: String, tokenizer: CLIPTokenizer) throws -> Tensor {
        let e = text.projectionDim
        var out = [Float](repeating: 0, count: 2 * e)
        for (cls, list) in sentences(className: className).enumerated() {
            var mean = [Double](repeating: 0, count: e)
            // Encoded in chunks of one template set: bounded memory on a full-size text tower.
            for start in stride(from: 0, to: list.count, by: templates.count) {
                let chunk = Array(list[start..<min(start + templates.count, list.count)])
                let ids = try tokenizer.tokenize(chunk, contextLength: text.contextLength).map { $0.map(Int.init) }
                let emb = try text.forward(ids: ids).textEmbeds.data
                for r in 0..<chunk.count {
                    let row = emb[(r * e)..<((r + 1) * e)]
                    let norm = row.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                    for (k, v) in row.enumerated() { mean[k] += Double(v) / norm }
                }
            }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<e { out[cls * e + k] = Float(mean[k] / norm) }
        }
        return Tensor(shape: [2, e], data: out)
    }
}
