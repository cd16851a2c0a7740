import Tensor

/// CLIP's text encoder: token + position embeddings, causal blocks, `ln_final`, EOT pooling, projection.
///
/// It also takes embeddings directly and lets a caller replace rows between layers, which is how
/// learned prompts enter (context vectors in the input, deep prompts before later layers).
public final class TextTower: @unchecked Sendable {
    // @unchecked: parameters are immutable after init.
    public let config: CLIPConfig.Text
    public let projectionDim: Int
    public let blocks: [TransformerBlock]
    public let tokenEmbedding: Tensor
    public let finalNormWeight, finalNormBias, projection: FloatBuffer
    let positions: FloatBuffer

    public init(weights w: TextWeights, config: CLIPConfig.Text, projectionDim: Int, activation: Activation? = nil) {
        self.config = config
        self.projectionDim = projectionDim
        blocks = w.blocks.map {
            TransformerBlock(weights: $0, heads: config.heads, eps: config.layerNormEps, activation: activation ?? config.activation, kind: .standard, causal: true)
        }
        tokenEmbedding = w.tokenEmbedding
        positions = FloatBuffer(w.positionEmbedding.data)
        finalNormWeight = FloatBuffer(w.finalNormWeight.data)
        finalNormBias = FloatBuffer(w.finalNormBias.data)
        projection = FloatBuffer(w.projection.data)
    }

    public var width: Int { config.width }
    public var contextLength: Int { config.contextLength }

    /// Token embedding rows for `ids` (no positions): [ids.count, C].
    public func tokenEmbeddings(_ ids: [Int]) throws -> Tensor {
        let c = config.width
        var out = [Float](repeating: 0, count: ids.count * c)
        for (i, id) in ids.enumerated() {
            guard id >= 0 && id < config.vocabSize else { throw CLIPError.invalidInput(reason: "token id \(id) outside the vocabulary of \(config.vocabSize)") }
            for ch in 0..<c { out[i * c + ch] = tokenEmbedding.data[id * c + ch] }
        }
        return Tensor(shape: [ids.count, c], data: out)
    }

    /// Adds positional embeddings to `x` [B, L, C] in place.
    public func addPositions(_ x: UnsafeMutablePointer<Float>, batch b: Int) {
        let n = config.contextLength * config.width
        for bi in 0..<b { Elementwise.axpy(x + bi * n, positions.pointer, alpha: 1, count: n) }
    }

    /// Runs the blocks on `x` [B, L, C] in place. `beforeLayer(j, x)` runs before block j (0-based)
    /// and may overwrite rows; `acts`, when given, has one entry per block and keeps what backward needs.
    public func runBlocks(_ x: UnsafeMutablePointer<Float>, batch b: Int, scratch: BlockScratch, acts: [BlockActivations]? = nil,
                          beforeLayer: ((Int, UnsafeMutablePointer<Float>) -> Void)? = nil) {
        for (j, block) in blocks.enumerated() {
            beforeLayer?(j, x)
            block.forward(x, batch: b, tokens: config.contextLength, scratch: scratch, acts: acts?[j])
        }
    }

    /// What `forward` returns.
    public struct Output: Sendable {
        /// After `ln_final`, [B, L, C].
        public var lastHiddenState: Tensor
        /// `ln_final` at the EOT position → projection, [B, E].
        public var textEmbeds: Tensor
    }

    /// Encodes token id sequences (each exactly `contextLength` long); pools at the argmax id (EOT).
    public func forward(ids: [[Int]]) throws -> Output {
        let l = config.contextLength, c = config.width
        guard ids.allSatisfy({ $0.count == l }) else { throw CLIPError.invalidInput(reason: "every sequence must hold \(l) token ids") }
        var rows: [Float] = []
        rows.reserveCapacity(ids.count * l * c)
        for seq in ids { rows += try tokenEmbeddings(seq).data }
        let eot = ids.map { seq in seq.indices.max { seq[$0] < seq[$1] }! }
        return try forward(embeddings: Tensor(shape: [ids.count, l, c], data: rows), eotIndices: eot)
    }

    /// Encodes input embeddings [B, L, C] (positions are added here); pools at `eotIndices`.
    public func forward(embeddings: Tensor, eotIndices: [Int], beforeLayer: ((Int, UnsafeMutablePointer<Float>) -> Void)? = nil) throws -> Output {
        let l = config.contextLength, c = config.width
        guard embeddings.rank == 3, embeddings.shape[1] == l, embeddings.shape[2] == c, eotIndices.count == embeddings.shape[0],
              eotIndices.allSatisfy({ $0 >= 0 && $0 < l }) else {
            throw CLIPError.invalidInput(reason: "embeddings must be [B, \(l), \(c)] with one EOT index in 0..<\(l) per row, got \(embeddings.shape)")
        }
        let b = embeddings.shape[0]
        let x = FloatBuffer(embeddings.data)
        addPositions(x.pointer, batch: b)
        let scratch = BlockScratch(batch: b, tokens: l, width: c, heads: config.heads, mlpWidth: config.mlpWidth, backward: false)
        runBlocks(x.pointer, batch: b, scratch: scratch, beforeLayer: beforeLayer)
        LayerNorm.forward(out: x.pointer, mean: nil, rstd: nil, inp: x.pointer, weight: finalNormWeight.pointer, bias: finalNormBias.pointer,
                          rows: b * l, width: c, eps: config.layerNormEps)
        let pooled = FloatBuffer(count: b * c)
        for bi in 0..<b { (pooled.pointer + bi * c).update(from: x.pointer + (bi * l + eotIndices[bi]) * c, count: c) }
        let emb = FloatBuffer(count: b * projectionDim)
        Linear.forward(out: emb.pointer, inp: pooled.pointer, weight: projection.pointer, bias: nil, rows: b, inFeatures: c, outFeatures: projectionDim)
        return Output(lastHiddenState: x.tensor([b, l, c]), textEmbeds: emb.tensor([b, projectionDim]))
    }
}
