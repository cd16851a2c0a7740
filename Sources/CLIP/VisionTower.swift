import Tensor

/// CLIP's image encoder: patch embedding, class token, positions, `ln_pre`, blocks, `ln_post`, projection.
public final class VisionTower: @unchecked Sendable {
    // @unchecked: parameters are immutable after init; the position cache is guarded by a lock.
    public let config: CLIPConfig.Vision
    public let projectionDim: Int
    public let blocks: [TransformerBlock]
    /// How positions are resized for other image sizes.
    public let positionResize: PositionEmbeddingResize
    let patchW, classEmb, preW, preB, postW, postB, proj: FloatBuffer
    let nativePositions: [Float]
    private var positionCache: [Int: [Float]] = [:]
    private let lock = NSLockShim()

    /// - Parameters:
    ///   - kind, activation: block variant and MLP activation (defaults: standard, the config's activation).
    public init(weights w: VisionWeights, config: CLIPConfig.Vision, projectionDim: Int, kind: BlockKind = .standard,
                activation: Activation? = nil, positionResize: PositionEmbeddingResize = .bicubic) {
        self.config = config
        self.projectionDim = projectionDim
        self.positionResize = positionResize
        blocks = w.blocks.map {
            TransformerBlock(weights: $0, heads: config.heads, eps: config.layerNormEps, activation: activation ?? config.activation, kind: kind, causal: false)
        }
        patchW = FloatBuffer(w.patchEmbedding.data)
        classEmb = FloatBuffer(w.classEmbedding.data)
        preW = FloatBuffer(w.preNormWeight.data); preB = FloatBuffer(w.preNormBias.data)
        postW = FloatBuffer(w.postNormWeight.data); postB = FloatBuffer(w.postNormBias.data)
        proj = FloatBuffer(w.projection.data)
        nativePositions = w.positionEmbedding.data
    }

    /// Width C.
    public var width: Int { config.width }

    /// Token count for an image side.
    public func tokens(imageSize s: Int) -> Int { let g = s / config.patchSize; return 1 + g * g }

    /// Positional embedding [1 + g², C] for grid side g (resized and cached when g differs from the native grid).
    public func positions(grid g: Int) -> [Float] {
        if g == config.gridSize { return nativePositions }
        return lock.withLock {
            if let p = positionCache[g] { return p }
            let p = positionResize.resize(nativePositions, width: config.width, from: config.gridSize, to: g)
            positionCache[g] = p
            return p
        }
    }

    /// Embeds images into the residual stream: `x` [B, T, C] = ln_pre(concat(cls, patches) + positions).
    /// - Parameters: pixels [B, 3, S, S]; scratch [G², 3·P·P].
    public func embed(pixels: UnsafePointer<Float>, batch b: Int, imageSize s: Int, into x: UnsafeMutablePointer<Float>) {
        let c = config.width, p = config.patchSize, g = s / p, t = 1 + g * g
        let patches = FloatBuffer(count: b * g * g * c)
        let scratch = FloatBuffer(count: g * g * config.channels * p * p)
        PatchEmbedding.forward(out: patches.pointer, pixels: pixels, weight: patchW.pointer, scratch: scratch.pointer,
                               batch: b, channels: config.channels, imageSize: s, patchSize: p, width: c)
        let pos = positions(grid: g)
        pos.withUnsafeBufferPointer { pp in
            for bi in 0..<b {
                let row0 = x + bi * t * c
                for ch in 0..<c { row0[ch] = classEmb.pointer[ch] + pp[ch] }
                for k in 0..<(g * g) {
                    let dst = row0 + (1 + k) * c, src = patches.pointer + (bi * g * g + k) * c, pr = pp.baseAddress! + (1 + k) * c
                    for ch in 0..<c { dst[ch] = src[ch] + pr[ch] }
                }
            }
        }
        LayerNorm.forward(out: x, mean: nil, rstd: nil, inp: x, weight: preW.pointer, bias: preB.pointer, rows: b * t, width: c, eps: config.layerNormEps)
    }

    /// `ln_post` then projection, on every row: [N, C] → [N, E].
    public func project(_ x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>) {
        let c = config.width
        let normed = FloatBuffer(count: n * c)
        LayerNorm.forward(out: normed.pointer, mean: nil, rstd: nil, inp: x, weight: postW.pointer, bias: postB.pointer, rows: n, width: c, eps: config.layerNormEps)
        Linear.forward(out: out, inp: normed.pointer, weight: proj.pointer, bias: nil, rows: n, inFeatures: c, outFeatures: projectionDim)
    }

    /// What `forward` returns.
    public struct Output: Sendable {
        /// Residual stream after each requested layer (0 = after ln_pre), [B, T, C].
        public var hiddenStates: [Int: Tensor]
        /// Stream after the last block, [B, T, C].
        public var lastHiddenState: Tensor
        /// CLS → ln_post → projection, [B, E].
        public var imageEmbeds: Tensor
    }

    /// Runs the whole tower on `pixels` [B, 3, S, S] (S may differ from the config's size).
    public func forward(pixels: Tensor, keepLayers: Set<Int> = []) throws -> Output {
        guard pixels.rank == 4, pixels.shape[1] == config.channels, pixels.shape[2] == pixels.shape[3], pixels.shape[2] >= config.patchSize else {
            throw CLIPError.invalidInput(reason: "pixels must be [B, \(config.channels), S, S] with S ≥ \(config.patchSize), got \(pixels.shape)")
        }
        let b = pixels.shape[0], s = pixels.shape[2], t = tokens(imageSize: s), c = config.width
        let x = FloatBuffer(count: b * t * c)
        pixels.withPointer { embed(pixels: $0, batch: b, imageSize: s, into: x.pointer) }
        var hidden: [Int: Tensor] = [:]
        if keepLayers.contains(0) { hidden[0] = x.tensor([b, t, c]) }
        let scratch = BlockScratch(batch: b, tokens: t, width: c, heads: config.heads, mlpWidth: config.mlpWidth, backward: false)
        for (i, block) in blocks.enumerated() {
            block.forward(x.pointer, batch: b, tokens: t, scratch: scratch, acts: nil)
            if keepLayers.contains(i + 1) { hidden[i + 1] = x.tensor([b, t, c]) }
        }
        // CLS rows → ln_post → proj
        let cls = FloatBuffer(count: b * c)
        for bi in 0..<b { (cls.pointer + bi * c).update(from: x.pointer + bi * t * c, count: c) }
        let emb = FloatBuffer(count: b * projectionDim)
        project(cls.pointer, rows: b, into: emb.pointer)
        return Output(hiddenStates: hidden, lastHiddenState: x.tensor([b, t, c]), imageEmbeds: emb.tensor([b, projectionDim]))
    }

    /// `ln_post` + projection applied to every token of a [B, T, C] tensor → [B, T, E].
    public func projectTokens(_ hidden: Tensor) -> Tensor {
        let n = hidden.count / config.width
        let out = FloatBuffer(count: n * projectionDim)
        hidden.withPointer { project($0, rows: n, into: out.pointer) }
        return out.tensor(Array(hidden.shape.dropLast()) + [projectionDim])
    }
}
