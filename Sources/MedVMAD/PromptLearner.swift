import CLIP
import Tensor

/// The text side: learned context vectors and deep prompts fed through the frozen text tower.
///
/// Sequence s ∈ {normal, abnormal} = [SOT] ‖ ctx_s (n rows) ‖ embeddings of the rest of the
/// tokenised prompt; deep prompt j−1 overwrites rows 1…tokens of both sequences before text
/// layer j (1 ≤ j < depth); features are ln_final at EOT → projection → L2 normalisation.
public final class PromptLearner: @unchecked Sendable {
    // @unchecked: immutable after init; forward state lives in `Cache`.
    public let text: TextTower
    public let settings: MedVMADConfig.PromptSettings
    /// Token ids of the two prompts, each `contextLength` long.
    public let ids: [[Int]]
    /// EOT positions (argmax of the ids).
    public let eotIndices: [Int]
    let baseEmbeddings: [Float]

    public init(text: TextTower, settings: MedVMADConfig.PromptSettings, ids: [[Int]]) throws {
        guard ids.count == 2, ids.allSatisfy({ $0.count == text.contextLength }) else {
            throw MedVMADError.invalidInput(reason: "prompt ids must be two sequences of \(text.contextLength) tokens")
        }
        self.text = text
        self.settings = settings
        self.ids = ids
        eotIndices = ids.map { seq in seq.indices.max { seq[$0] < seq[$1] }! }
        guard eotIndices.allSatisfy({ $0 > settings.contextLength }) else {
            throw MedVMADError.invalidInput(reason: "the prompts are too short for \(settings.contextLength) context vectors")
        }
        baseEmbeddings = try ids.flatMap { try text.tokenEmbeddings($0).data }
    }

    /// Activations kept for backward.
    public final class Cache: @unchecked Sendable {
        let blocks: [BlockActivations]
        let scratch: BlockScratch
        /// [2, L, C] stream before ln_final, and its statistics.
        let preFinal: FloatBuffer, mean: FloatBuffer, rstd: FloatBuffer
        /// [2, C] pooled rows after ln_final; [2, E] projected; norms [2].
        let pooled: FloatBuffer, projected: FloatBuffer, norms: FloatBuffer
        init(_ t: TextTower, backward: Bool) {
            let l = t.contextLength, c = t.width, cfg = t.config
            blocks = backward ? t.blocks.map { _ in BlockActivations(batch: 2, tokens: l, width: c, heads: cfg.heads, mlpWidth: cfg.mlpWidth, kind: .standard) } : []
            scratch = BlockScratch(batch: 2, tokens: l, width: c, heads: cfg.heads, mlpWidth: cfg.mlpWidth, backward: backward)
            preFinal = FloatBuffer(count: 2 * l * c)
            mean = FloatBuffer(count: 2 * l)
            rstd = FloatBuffer(count: 2 * l)
            pooled = FloatBuffer(count: 2 * c)
            projected = FloatBuffer(count: 2 * t.projectionDim)
            norms = FloatBuffer(count: 2)
        }
    }

    public func makeCache(backward: Bool) -> Cache { Cache(text, backward: backward) }

    /// Unit text features [2, E] (normal, abnormal) for the current parameters.
    public func forward(params: ParameterSet, cache: Cache, backward: Bool) -> Tensor {
        let l = text.contextLength, c = text.width, e = text.projectionDim, n = settings.contextLength
        let x = FloatBuffer(baseEmbeddings)
        if n > 0 {
            for (s, name) in ["prompt.ctx_normal", "prompt.ctx_abnormal"].enumerated() {
                (x.pointer + (s * l + 1) * c).update(from: params[name].pointer, count: n * c)
            }
        }
        text.addPositions(x.pointer, batch: 2)
        let deep = settings.deepTokens, depth = settings.depth
        text.runBlocks(x.pointer, batch: 2, scratch: cache.scratch, acts: backward ? cache.blocks : nil) { j, stream in
            guard j >= 1 && j < depth && deep > 0 else { return }
            let d = params["prompt.deep.\(j - 1)"].pointer
            for s in 0..<2 { (stream + (s * l + 1) * c).update(from: d, count: deep * c) }
        }
        cache.preFinal.pointer.update(from: x.pointer, count: 2 * l * c)
        LayerNorm.forward(out: x.pointer, mean: cache.mean.pointer, rstd: cache.rstd.pointer, inp: x.pointer, weight: text.finalNormWeight.pointer,
                          bias: text.finalNormBias.pointer, rows: 2 * l, width: c, eps: text.config.layerNormEps)
        for s in 0..<2 { (cache.pooled.pointer + s * c).update(from: x.pointer + (s * l + eotIndices[s]) * c, count: c) }
        Linear.forward(out: cache.projected.pointer, inp: cache.pooled.pointer, weight: text.projection.pointer, bias: nil, rows: 2, inFeatures: c, outFeatures: e)
        let out = FloatBuffer(count: 2 * e)
        L2Normalize.forward(out: out.pointer, norms: cache.norms.pointer, inp: cache.projected.pointer, rows: 2, width: e)
        return out.tensor([2, e])
    }

    /// Differentiates `forward` with respect to the prompt parameters (accumulated into `grads`).
    /// - Parameters: dfeatures [2, E]; features: the forward's output.
    public func backward(dfeatures: Tensor, features: Tensor, cache: Cache, grads: ParameterSet) {
        let l = text.contextLength, c = text.width, e = text.projectionDim, n = settings.contextLength
        let dproj = FloatBuffer(count: 2 * e)
        dfeatures.withPointer { dout in
            features.withPointer { out in L2Normalize.backward(dinp: dproj.pointer, dout: dout, out: out, norms: cache.norms.pointer, rows: 2, width: e) }
        }
        let dpooled = FloatBuffer(count: 2 * c)
        Linear.backward(dinp: dpooled.pointer, dweight: nil, dbias: nil, dout: dproj.pointer, inp: nil, weight: text.projection.pointer, rows: 2, inFeatures: c, outFeatures: e)
        let dy = FloatBuffer(count: 2 * l * c)
        for s in 0..<2 { (dy.pointer + (s * l + eotIndices[s]) * c).update(from: dpooled.pointer + s * c, count: c) }
        let dx = FloatBuffer(count: 2 * l * c)
        LayerNorm.backward(dinp: dx.pointer, dweight: nil, dbias: nil, dout: dy.pointer, inp: cache.preFinal.pointer, weight: text.finalNormWeight.pointer,
                           mean: cache.mean.pointer, rstd: cache.rstd.pointer, rows: 2 * l, width: c)
        let deep = settings.deepTokens, depth = settings.depth
        for j in stride(from: text.blocks.count - 1, through: 0, by: -1) {
            text.blocks[j].backward(dx.pointer, batch: 2, tokens: l, scratch: cache.scratch, acts: cache.blocks[j])
            if j >= 1 && j < depth && deep > 0 {
                // rows 1…deep were overwritten by deep prompt j−1 before block j: their gradient is its gradient.
                let g = grads["prompt.deep.\(j - 1)"].pointer
                for s in 0..<2 {
                    let rows = dx.pointer + (s * l + 1) * c
                    Elementwise.axpy(g, rows, alpha: 1, count: deep * c)
                    rows.update(repeating: 0, count: deep * c)
                }
            }
        }
        if n > 0 {
            for (s, name) in ["prompt.ctx_normal", "prompt.ctx_abnormal"].enumerated() {
                Elementwise.axpy(grads[name].pointer, dx.pointer + (s * l + 1) * c, alpha: 1, count: n * c)
            }
        }
    }
}
