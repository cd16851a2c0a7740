import CLIP
import Tensor

/// A MedVMAD-family model: frozen CLIP towers, the learned parameters, and the scoring rules of its config.
public final class MedVMADModel: @unchecked Sendable {
    // @unchecked: the frozen parts are immutable; `params` is mutated only by the trainer that owns the model.
    public let config: MedVMADConfig
    public let clip: CLIPModel
    public let prompts: PromptLearner
    public let params: ParameterSet
    /// Activation buffers reused from one training step to the next.
    let trainingWorkspaces = WorkspacePool<TrainingWorkspace>()
    /// Temporaries reused from one inference batch to the next.
    let inferenceWorkspaces = WorkspacePool<InferenceWorkspace>()
    /// Text features of a fixed prompt ensemble (nil when the prompts are learned).
    public let fixedTextFeatures: Tensor?

    /// - Parameters:
    ///   - weights, clipConfig: the frozen backbone (built here with the profile's block variant and activations).
    ///   - promptIds: token ids of `config.prompt.texts` (normal, abnormal), each of the text context length.
    public init(config: MedVMADConfig, clipWeights weights: CLIPWeights, clipConfig: CLIPConfig, promptIds: [[Int]], params: ParameterSet? = nil) throws {
        try config.validate(path: "medvmad.json", clip: clipConfig)
        self.config = config
        clip = CLIPModel(weights: weights, config: clipConfig, visionKind: config.visionBlock, visionActivation: config.visionActivation,
                         textActivation: config.textActivation, positionResize: config.positionResize ?? .bicubic)
        prompts = try PromptLearner(text: clip.text, settings: config.prompt, ids: promptIds)
        let text = clip.text
        fixedTextFeatures = try config.promptEnsemble.map { try $0.textFeatures(text: text, positions: weights.text.positionEmbedding, className: config.prompt.className, tokenizer: try CLIPTokenizer()) }
        self.params = params ?? ParameterSet(config: config, clip: clipConfig)
    }

    var grid: Int { config.imageSize / clip.config.vision.patchSize }

    /// Unit text features [2, E] for the current prompts.
    public func textFeatures() -> Tensor {
        if let fixedTextFeatures { return fixedTextFeatures }
        return prompts.forward(params: params, cache: prompts.makeCache(backward: false), backward: false)
    }

    /// What inference returns for a batch.
    public struct Output: Sendable {
        /// Per level: [B, 2, S, S] pixel probabilities (normal, abnormal).
        public var levelProbabilities: [Tensor]
        /// Per level: [B] image scores (empty when the image score comes from the global embedding).
        public var levelScores: [[Float]]
        /// Per level: [B, P, E] seg and det features (CLS dropped).
        public var segTokens: [Tensor], detTokens: [Tensor]
        /// [B, S, S] Σ levels p(abnormal), smoothed.
        public var anomalyMaps: Tensor
        /// [B] Σ levels image score.
        public var imageScores: [Float]
    }

    /// Runs the vision side on `pixels` [B, 3, S, S] with the given text features.
    /// - Parameters:
    ///   - keepLevels: also return per-level probabilities and features (parity tests, figures).
    ///   - interrupt: called before each transformer block; whatever it throws ends the pass there
    ///     (how a caller's time limit stops a long batch between layers).
    public func forward(pixels: Tensor, textFeatures: Tensor, keepLevels: Bool = false, interrupt: () throws -> Void = {}) throws -> Output {
        if config.usesDualPathVision {
            try interrupt()
            return try dualPathForward(pixels: pixels, textFeatures: textFeatures, keepLevels: keepLevels)
        }
        let pass = try VisionPass(model: self, pixels: pixels, textFeatures: textFeatures, training: false, interrupt: interrupt)
        let b = pass.batch, s = config.imageSize, s2 = s * s
        let sum = FloatBuffer(count: b * s2)
        var levelProbs: [Tensor] = [], levelScores: [[Float]] = [], seg: [Tensor] = [], det: [Tensor] = []
        for (k, head) in pass.heads.enumerated() {
            for bi in 0..<b { Elementwise.axpy(sum.pointer + bi * s2, head.probs.pointer + (bi * 2 + 1) * s2, alpha: 1, count: s2) }
            if pass.global == nil { levelScores.append(head.scores) }
            if keepLevels {
                levelProbs.append(head.probs.tensor([b, 2, s, s]))
                seg.append(pass.features[k].0.tensor([b, grid * grid, head.embed]))
                det.append(pass.features[k].1.tensor([b, grid * grid, head.embed]))
            }
        }
        let maps: FloatBuffer
        if config.smoothingSigma > 0 {
            maps = FloatBuffer(count: b * s2)
            let g = GaussianFilter(sigma: config.smoothingSigma, truncate: config.smoothingTruncate)
            let scratch = FloatBuffer(count: s2)
            g.forward(out: maps.pointer, inp: sum.pointer, planes: b, height: s, width: s, scratch: scratch.pointer)
        } else {
            maps = sum
        }
        let scores = pass.global?.scores ?? (0..<b).map { bi in levelScores.reduce(0) { $0 + $1[bi] } }
        return Output(levelProbabilities: levelProbs, levelScores: levelScores, segTokens: seg, detTokens: det,
                      anomalyMaps: maps.tensor([b, s, s]), imageScores: scores)
    }

    /// Loss terms of one batch.
    public struct Losses: Sendable {
        public struct Level: Sendable {
            public var focal: Float, diceAbnormal: Float, diceNormal: Float, bce: Float
        }
        public var levels: [Level]
        public var total: Float
        /// Σ levels of the local (pixel) terms, weighted.
        public var segmentation: Float
        /// Σ levels of the image terms (or the global term).
        public var image: Float
        /// BCE of the global-embedding score, when the image score comes from it (the levels' `bce` are then 0).
        public var globalBCE: Float? = nil
    }

    /// Computes the losses for a batch and accumulates d(total)/d(parameter) into `grads`.
    /// - Parameters: pixels [B, 3, S, S], masks [B, S, S] in {0, 1}, labels [B] in {0, 1}.
    public func lossAndGradients(pixels: Tensor, masks: Tensor, labels: [Float], grads: ParameterSet) throws -> Losses {
        if config.usesDualPathVision { return try dualPathLossAndGradients(pixels: pixels, masks: masks, labels: labels, grads: grads) }
        let b = pixels.shape.first ?? 0, s = config.imageSize, s2 = s * s
        guard masks.shape == [b, s, s], labels.count == b else {
            throw MedVMADError.invalidInput(reason: "masks must be [\(b), \(s), \(s)] and labels \(b) long, got \(masks.shape) and \(labels.count)")
        }
        let learnsPrompts = config.learnsPrompts
        let textCache = prompts.makeCache(backward: learnsPrompts)
        let text = fixedTextFeatures ?? prompts.forward(params: params, cache: textCache, backward: true)
        let pass = try VisionPass(model: self, pixels: pixels, textFeatures: text, training: true)
        let t = config.training
        var levels: [Losses.Level] = []
        var dtext = Tensor(zeros: [2, text.shape[1]])
        var dfeat: [(FloatBuffer, FloatBuffer)] = []
        for head in pass.heads {
            let probs = head.probs.pointer
            let dprobs = FloatBuffer(count: b * 2 * s2)
            let focal = masks.withPointer { FocalLoss.forward(probs: probs, mask: $0, batch: b, pixels: s2, gamma: t.focalGamma, smoothing: t.focalSmoothing) }
            let diceA = masks.withPointer { DiceLoss.forward(p: probs + s2, stride: 2 * s2, target: $0, invert: false, batch: b, pixels: s2, smoothing: t.diceSmoothing) }
            let diceN = t.diceOnNormal
                ? masks.withPointer { DiceLoss.forward(p: probs, stride: 2 * s2, target: $0, invert: true, batch: b, pixels: s2, smoothing: t.diceSmoothing) } : 0
            let bce = pass.global == nil ? BCEWithLogits.forward(logits: head.scores, labels: labels) : 0
            levels.append(.init(focal: focal, diceAbnormal: diceA, diceNormal: diceN, bce: bce))
            masks.withPointer { m in
                FocalLoss.backward(dprobs: dprobs.pointer, probs: probs, mask: m, batch: b, pixels: s2, gamma: t.focalGamma, smoothing: t.focalSmoothing, weight: t.localWeight)
                DiceLoss.backward(dp: dprobs.pointer + s2, p: probs + s2, stride: 2 * s2, target: m, invert: false, batch: b, pixels: s2, smoothing: t.diceSmoothing, weight: t.localWeight)
                if t.diceOnNormal {
                    DiceLoss.backward(dp: dprobs.pointer, p: probs, stride: 2 * s2, target: m, invert: true, batch: b, pixels: s2, smoothing: t.diceSmoothing, weight: t.localWeight)
                }
            }
            let dscores = pass.global == nil ? BCEWithLogits.backward(logits: head.scores, labels: labels, weight: 1) : [Float](repeating: 0, count: b)
            let p = grid * grid
            let dseg = FloatBuffer(count: b * p * head.embed), ddet = FloatBuffer(count: b * p * head.embed)
            text.withPointer { tp in
                dtext.withMutablePointer { dt in
                    head.backward(dprobs: dprobs.pointer, dscores: dscores, text: tp, dseg: dseg.pointer, ddet: ddet.pointer, dtext: dt)
                }
            }
            dfeat.append((dseg, ddet))
        }
        var globalBCE: Float? = nil
        if let global = pass.global {
            globalBCE = BCEWithLogits.forward(logits: global.scores, labels: labels)
            dtext.withMutablePointer { global.backward(dscores: BCEWithLogits.backward(logits: global.scores, labels: labels, weight: 1), dtext: $0) }
        }
        if !pass.adapters.isEmpty { pass.backward(featureGradients: dfeat, grads: grads) }
        if learnsPrompts { prompts.backward(dfeatures: dtext, features: text, cache: textCache, grads: grads) }
        let seg = levels.reduce(0) { $0 + t.localWeight * ($1.focal + $1.diceAbnormal + $1.diceNormal) }
        let img = globalBCE ?? levels.reduce(0) { $0 + $1.bce }
        return Losses(levels: levels, total: seg + img, segmentation: seg, image: img, globalBCE: globalBCE)
    }
}

/// One forward pass of the vision side through the adapter levels, keeping what backward needs when training.
final class VisionPass {
    let model: MedVMADModel
    let batch: Int, tokens: Int
    let heads: [AnomalyHead]
    /// Per level: seg and det features [B, P, E] (CLS dropped).
    let features: [(FloatBuffer, FloatBuffer)]
    /// Per level, the adapters kept for backward or asked for with `keepAdapters` (otherwise empty).
    let adapters: [ResidualAdapters]
    let acts: [Int: BlockActivations]
    let scratch: BlockScratch
    /// The reusable buffers of a training pass, handed back to the model's pool when the pass ends.
    let workspace: TrainingWorkspace?
    /// The reusable buffers of a pass that is not differentiated through the vision tower (the other case).
    let inferenceWorkspace: InferenceWorkspace?
    /// The global-embedding score, when the config's image score comes from it.
    let global: GlobalScoreHead?

    /// - Parameters:
    ///   - training: keep what backward through the adapters and blocks needs.
    ///   - keepAdapters: keep every level's adapters (`adapters`, with their features for every token,
    ///     CLS included) after a pass without training too; otherwise such a pass computes them in
    ///     buffers reused level after level.
    init(model: MedVMADModel, pixels: Tensor, textFeatures: Tensor, training: Bool, keepAdapters: Bool = false, interrupt: () throws -> Void = {}) throws {
        let cfg = model.config, v = model.clip.vision, vc = v.config
        guard pixels.rank == 4, pixels.shape[1] == vc.channels, pixels.shape[2] == cfg.imageSize, pixels.shape[3] == cfg.imageSize else {
            throw MedVMADError.invalidInput(reason: "pixels must be [B, \(vc.channels), \(cfg.imageSize), \(cfg.imageSize)], got \(pixels.shape)")
        }
        let adapterSettings = cfg.patchFeatureSource == .adapters ? cfg.adapters : nil
        self.model = model
        let b = pixels.shape[0], t = v.tokens(imageSize: cfg.imageSize), c = vc.width, e = adapterSettings?.bottleneck ?? v.projectionDim
        let g = cfg.imageSize / vc.patchSize, p = g * g
        batch = b
        tokens = t
        // Only a pass with adapters to train keeps activations for backward.
        let ws: TrainingWorkspace? = training && adapterSettings != nil
            ? model.trainingWorkspaces.take(batch: b)
                ?? TrainingWorkspace(batch: b, scratch: BlockScratch(batch: b, tokens: t, width: c, heads: vc.heads, mlpWidth: vc.mlpWidth, backward: true))
            : nil
        let iw: InferenceWorkspace? = ws != nil ? nil
            : model.inferenceWorkspaces.take(batch: b)
                ?? InferenceWorkspace(batch: b, tokens: t, width: c, heads: vc.heads, mlpWidth: vc.mlpWidth, adapterBottleneck: adapterSettings?.bottleneck)
        workspace = ws
        inferenceWorkspace = iw
        scratch = ws?.scratch ?? iw!.scratch
        let x = iw?.stream ?? FloatBuffer(count: b * t * c)
        pixels.withPointer { v.embed(pixels: $0, batch: b, imageSize: cfg.imageSize, into: x.pointer) }
        let first = cfg.featureLayers.first!, last = cfg.featureLayers.last!
        let globalScore = cfg.effectiveImageScoreRule == .globalEmbedding
        var acts: [Int: BlockActivations] = [:]
        var adapters: [ResidualAdapters] = [], features: [(FloatBuffer, FloatBuffer)] = [], heads: [AnomalyHead] = []
        // Blocks after the last feature layer feed only the pooled output: they run only when it is scored.
        for i in 0..<(globalScore ? v.blocks.count : last) {
            try interrupt()
            var a: BlockActivations? = nil
            // Only adapters below a block make its backward necessary (the projected stream has no trainable input).
            if let ws, i + 1 > first && i + 1 <= last {
                a = ws.activations(block: i) {
                    BlockActivations(batch: b, tokens: t, width: c, heads: vc.heads, mlpWidth: vc.mlpWidth, kind: v.blocks[i].kind)
                }
                acts[i] = a
            }
            v.blocks[i].forward(x.pointer, batch: b, tokens: t, scratch: scratch, acts: a)
            if cfg.featureLayers.contains(i + 1), adapterSettings == nil {
                // seg = det = ln_post + proj of the patch rows of the stream.
                let feat = FloatBuffer(count: b * p * e)
                for bi in 0..<b { v.project(x.pointer + (bi * t + 1) * c, rows: p, into: feat.pointer + bi * p * e) }
                let head = AnomalyHead(batch: b, grid: g, size: cfg.imageSize, embed: e, scale: cfg.logitScale)
                textFeatures.withPointer { head.forward(seg: feat.pointer, det: feat.pointer, text: $0) }
                features.append((feat, feat))
                heads.append(head)
            } else if let k = cfg.featureLayers.firstIndex(of: i + 1), let adapterSettings {
                let ad: ResidualAdapters
                if !keepAdapters, let buffers = iw?.adapterBuffers {
                    ad = ResidualAdapters(level: k, bottleneck: e, mix: adapterSettings.mix, slope: adapterSettings.leakySlope, buffers: buffers)
                    // After the last level the stream feeds only the pooled output.
                    ad.forward(x.pointer, params: model.params, updateStream: i + 1 < last || globalScore)
                } else {
                    ad = ResidualAdapters(level: k, rows: b * t, width: c, bottleneck: e, mix: adapterSettings.mix, slope: adapterSettings.leakySlope)
                    ad.forward(x.pointer, params: model.params)
                    adapters.append(ad)
                }
                let seg = FloatBuffer(count: b * p * e), det = FloatBuffer(count: b * p * e)
                for bi in 0..<b {
                    (seg.pointer + bi * p * e).update(from: ad.mid[0].pointer + (bi * t + 1) * e, count: p * e)
                    (det.pointer + bi * p * e).update(from: ad.mid[1].pointer + (bi * t + 1) * e, count: p * e)
                }
                let head = AnomalyHead(batch: b, grid: g, size: cfg.imageSize, embed: e, scale: cfg.logitScale)
                textFeatures.withPointer { head.forward(seg: seg.pointer, det: det.pointer, text: $0) }
                features.append((seg, det))
                heads.append(head)
            }
        }
        if globalScore {
            let cls = FloatBuffer(count: b * c), emb = FloatBuffer(count: b * v.projectionDim)
            for bi in 0..<b { (cls.pointer + bi * c).update(from: x.pointer + bi * t * c, count: c) }
            v.project(cls.pointer, rows: b, into: emb.pointer)
            let head = GlobalScoreHead(batch: b, embed: v.projectionDim, scale: cfg.logitScale)
            textFeatures.withPointer { head.forward(embeddings: emb.pointer, text: $0) }
            global = head
        } else {
            global = nil
        }
        self.acts = acts
        self.adapters = adapters
        self.features = features
        self.heads = heads
    }

    deinit {
        if let workspace { model.trainingWorkspaces.give(workspace) }
        if let inferenceWorkspace { model.inferenceWorkspaces.give(inferenceWorkspace) }
    }

    /// Backpropagates the per-level feature gradients through adapters and frozen blocks.
    func backward(featureGradients: [(FloatBuffer, FloatBuffer)], grads: ParameterSet) {
        let cfg = model.config, v = model.clip.vision
        let c = v.config.width, t = tokens, b = batch
        let e = cfg.adapters!.bottleneck, p = t - 1
        let dx = FloatBuffer(count: b * t * c)
        let full = [FloatBuffer(count: b * t * e), FloatBuffer(count: b * t * e)]
        for k in stride(from: cfg.featureLayers.count - 1, through: 0, by: -1) {
            // Features are the adapter bottlenecks with the CLS row dropped: scatter back to all tokens.
            for h in 0..<2 {
                full[h].zero()
                let src = h == 0 ? featureGradients[k].0 : featureGradients[k].1
                for bi in 0..<b { (full[h].pointer + (bi * t + 1) * e).update(from: src.pointer + bi * p * e, count: p * e) }
            }
            adapters[k].backward(dx.pointer, dfeatures: [UnsafePointer(full[0].pointer), UnsafePointer(full[1].pointer)], params: model.params, grads: grads,
                                 inputGradient: k > 0)
            guard k > 0 else { break }
            let from = cfg.featureLayers[k], to = cfg.featureLayers[k - 1]
            for i in stride(from: from - 1, through: to, by: -1) {
                v.blocks[i].backward(dx.pointer, batch: b, tokens: t, scratch: scratch, acts: acts[i]!)
            }
        }
    }
}
