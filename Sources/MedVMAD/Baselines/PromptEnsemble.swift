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

    /// Unit text features [2, E] (normal, abnormal) from `text`, whose positional embedding is `positions` [L, C].
    ///
    /// The text tower is causal and pools at EOT, so rows after the last EOT of a chunk cannot change the
    /// result: each chunk runs on its first max(EOT) + 1 positions only (exact, and several times cheaper
    /// than the full context for these short sentences).
    public func textFeatures(text: TextTower, positions: Tensor, className: String, tokenizer: CLIPTokenizer) throws -> Tensor {
        let e = text.projectionDim, c = text.width, cfg = text.config
        guard positions.count == text.contextLength * c else {
            throw MedVMADError.invalidInput(reason: "positional embedding has \(positions.count) values, expected \(text.contextLength)×\(c)")
        }
        var out = [Float](repeating: 0, count: 2 * e)
        for (cls, list) in sentences(className: className).enumerated() {
            var mean = [Double](repeating: 0, count: e)
            // Encoded in chunks of one template set: bounded memory on a full-size text tower.
            for start in stride(from: 0, to: list.count, by: templates.count) {
                let chunk = Array(list[start..<min(start + templates.count, list.count)])
                let ids = try tokenizer.tokenize(chunk, contextLength: text.contextLength).map { $0.map(Int.init) }
                let eots = ids.map { seq in seq.indices.max { seq[$0] < seq[$1] }! }
                let n = ids.count, l = eots.max()! + 1
                let x = FloatBuffer(count: n * l * c)
                for (r, seq) in ids.enumerated() {
                    let emb = try text.tokenEmbeddings(Array(seq[0..<l]))
                    for i in 0..<(l * c) { x.pointer[r * l * c + i] = emb.data[i] + positions.data[i] }
                }
                let scratch = BlockScratch(batch: n, tokens: l, width: c, heads: cfg.heads, mlpWidth: cfg.mlpWidth, backward: false)
                for block in text.blocks { block.forward(x.pointer, batch: n, tokens: l, scratch: scratch, acts: nil) }
                let pooled = FloatBuffer(count: n * c), projected = FloatBuffer(count: n * e)
                for r in 0..<n { (pooled.pointer + r * c).update(from: x.pointer + (r * l + eots[r]) * c, count: c) }
                LayerNorm.forward(out: pooled.pointer, mean: nil, rstd: nil, inp: pooled.pointer, weight: text.finalNormWeight.pointer,
                                  bias: text.finalNormBias.pointer, rows: n, width: c, eps: cfg.layerNormEps)
                Linear.forward(out: projected.pointer, inp: pooled.pointer, weight: text.projection.pointer, bias: nil, rows: n, inFeatures: c, outFeatures: e)
                for r in 0..<n {
                    let row = projected.pointer + r * e
                    var norm = 0.0
                    for k in 0..<e { norm += Double(row[k]) * Double(row[k]) }
                    norm = norm.squareRoot()
                    for k in 0..<e { mean[k] += Double(row[k]) / norm }
                }
            }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<e { out[cls * e + k] = Float(mean[k] / norm) }
        }
        return Tensor(shape: [2, e], data: out)
    }
}
