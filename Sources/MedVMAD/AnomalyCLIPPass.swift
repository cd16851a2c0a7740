import CLIP
import Foundation
import Tensor

/// One forward pass of AnomalyCLIP's frozen vision side and its scoring (reference-methods §3).
///
/// Vision: standard blocks before `dpamFromLayer`; from there on each block also feeds a v-v stream
/// (`TransformerBlock.forwardDualPath`). Tokens of a feature layer are that layer's v-v stream (the
/// original stream before the v-v path starts) → `ln_post` → projection, CLS dropped; the global
/// embedding is the final original-stream CLS `@ proj` without `ln_post`. The vision side is frozen and
/// nothing is trained through it, so it runs one image at a time and keeps no activations: only the
/// level tokens and the global embedding leave it.
final class AnomalyCLIPPass {
    let batch: Int, grid: Int, size: Int
    /// Per feature level: [B, P, E] tokens (CLS dropped).
    let tokens: [FloatBuffer]
    /// [B, E] global embedding.
    let global: FloatBuffer
    let heads: [AnomalyCLIPHead]
    let score: AnomalyCLIPGlobalScore

    init(model: MedVMADModel, pixels: Tensor, textFeatures: Tensor) throws {
        let cfg = model.config, v = model.clip.vision, vc = v.config
        guard let from = cfg.dpamFromLayer else { throw MedVMADError.unsupported(reason: "profile '\(cfg.profile)' has no DPAM layer") }
        guard pixels.rank == 4, pixels.shape[1] == vc.channels, pixels.shape[2] == cfg.imageSize, pixels.shape[3] == cfg.imageSize else {
            throw MedVMADError.invalidInput(reason: "pixels must be [B, \(vc.channels), \(cfg.imageSize), \(cfg.imageSize)], got \(pixels.shape)")
        }
        let b = pixels.shape[0], s = cfg.imageSize, c = vc.width, e = v.projectionDim
        let g = s / vc.patchSize, p = g * g, t = 1 + p
        batch = b
        grid = g
        size = s
        let levels = cfg.featureLayers
        let tokens = levels.map { _ in FloatBuffer(count: b * p * e) }
        let global = FloatBuffer(count: b * e)
        let x = FloatBuffer(count: t * c), vv = FloatBuffer(count: t * c)
        let scratch = BlockScratch(batch: 1, tokens: t, width: c, heads: vc.heads, mlpWidth: vc.mlpWidth, backward: false)
        let dual = DualPathScratch(batch: 1, tokens: t, width: c)
        let pixelCount = vc.channels * s * s
        guard !v.blocks.isEmpty, from <= v.blocks.count else {
            throw MedVMADError.invalidInput(reason: "DPAM from layer \(from) needs at least that many vision blocks, the tower has \(v.blocks.count)")
        }
        pixels.withPointer { px in
            for bi in 0..<b {
                v.embed(pixels: px + bi * pixelCount, batch: 1, imageSize: s, into: x.pointer)
                for (i, block) in v.blocks.enumerated() {
                    let layer = i + 1
                    if layer >= from {
                        // the v-v stream starts from the stream entering the first DPAM layer
                        if layer == from { vv.pointer.update(from: x.pointer, count: t * c) }
                        block.forwardDualPath(x.pointer, valueStream: vv.pointer, batch: 1, tokens: t, scratch: scratch, dual: dual)
                    } else {
                        block.forward(x.pointer, batch: 1, tokens: t, scratch: scratch, acts: nil)
                    }
                    if let k = levels.firstIndex(of: layer) {
                        let state = layer >= from ? vv : x
                        v.project(state.pointer + c, rows: p, into: tokens[k].pointer + bi * p * e)
                    }
                }
                v.projectWithoutNorm(x.pointer, rows: 1, into: global.pointer + bi * e)
            }
        }
        self.tokens = tokens
        self.global = global
        heads = levels.map { _ in
            AnomalyCLIPHead(batch: b, grid: g, size: s, embed: e, scale: cfg.logitScale, rule: cfg.effectiveMapRule)
        }
        score = AnomalyCLIPGlobalScore(batch: b, embed: e, scale: cfg.logitScale)
        textFeatures.withPointer { text in
            for (k, head) in heads.enumerated() { head.forward(tokens: tokens[k].pointer, text: text) }
            score.forward(global: global.pointer, text: text)
        }
    }

    /// [B, S, S] Σ levels ½(p_abn + 1 − p_norm), before smoothing.
    func summedMap() -> FloatBuffer {
        let s2 = size * size
        let sum = FloatBuffer(count: batch * s2)
        for head in heads {
            for bi in 0..<batch {
                let pn = head.probs.pointer + bi * 2 * s2, pa = pn + s2, out = sum.pointer + bi * s2
                for i in 0..<s2 { out[i] += 0.5 * (pa[i] + 1 - pn[i]) }
            }
        }
        return sum
    }
}

extension MedVMADModel {
    /// `forward` for dual-path (AnomalyCLIP) models. Per-level scores are empty: the image score is global.
    func dualPathForward(pixels: Tensor, textFeatures: Tensor, keepLevels: Bool) throws -> Output {
        let pass = try AnomalyCLIPPass(model: self, pixels: pixels, textFeatures: textFeatures)
        let b = pass.batch, s = config.imageSize, s2 = s * s, e = clip.vision.projectionDim
        let sum = pass.summedMap()
        let maps: FloatBuffer
        if config.smoothingSigma > 0 {
            maps = FloatBuffer(count: b * s2)
            let g = GaussianFilter(sigma: config.smoothingSigma, truncate: config.smoothingTruncate)
            let scratch = FloatBuffer(count: s2)
            g.forward(out: maps.pointer, inp: sum.pointer, planes: b, height: s, width: s, scratch: scratch.pointer)
        } else {
            maps = sum
        }
        let p = pass.grid * pass.grid
        return Output(levelProbabilities: keepLevels ? pass.heads.map { $0.probs.tensor([b, 2, s, s]) } : [],
                      levelScores: [],
                      segTokens: keepLevels ? pass.tokens.map { $0.tensor([b, p, e]) } : [], detTokens: [],
                      anomalyMaps: maps.tensor([b, s, s]), imageScores: pass.score.scores)
    }

    /// `lossAndGradients` for dual-path (AnomalyCLIP) models: λ·Σ levels (Focal + Dice(abn) + Dice(normal))
    /// + cross-entropy on the global logits. Only the prompts receive gradients; each level's `bce` is 0
    /// and the cross-entropy is reported as `image`.
    func dualPathLossAndGradients(pixels: Tensor, masks: Tensor, labels: [Float], grads: ParameterSet) throws -> Losses {
        let b = pixels.shape.first ?? 0, s = config.imageSize, s2 = s * s
        guard masks.shape == [b, s, s], labels.count == b else {
            throw MedVMADError.invalidInput(reason: "masks must be [\(b), \(s), \(s)] and labels \(b) long, got \(masks.shape) and \(labels.count)")
        }
        let textCache = prompts.makeCache(backward: true)
        let text = prompts.forward(params: params, cache: textCache, backward: true)
        let pass = try AnomalyCLIPPass(model: self, pixels: pixels, textFeatures: text)
        let t = config.training
        var levels: [Losses.Level] = []
        var dtext = Tensor(zeros: [2, text.shape[1]])
        let dprobs = FloatBuffer(count: b * 2 * s2)
        for head in pass.heads {
            let probs = head.probs.pointer
            dprobs.zero()
            let focal = masks.withPointer { FocalLoss.forward(probs: probs, mask: $0, batch: b, pixels: s2, gamma: t.focalGamma, smoothing: t.focalSmoothing) }
            let diceA = masks.withPointer { DiceLoss.forward(p: probs + s2, stride: 2 * s2, target: $0, invert: false, batch: b, pixels: s2, smoothing: t.diceSmoothing) }
            let diceN = t.diceOnNormal
                ? masks.withPointer { DiceLoss.forward(p: probs, stride: 2 * s2, target: $0, invert: true, batch: b, pixels: s2, smoothing: t.diceSmoothing) } : 0
            levels.append(.init(focal: focal, diceAbnormal: diceA, diceNormal: diceN, bce: 0))
            masks.withPointer { m in
                FocalLoss.backward(dprobs: dprobs.pointer, probs: probs, mask: m, batch: b, pixels: s2, gamma: t.focalGamma, smoothing: t.focalSmoothing, weight: t.localWeight)
                DiceLoss.backward(dp: dprobs.pointer + s2, p: probs + s2, stride: 2 * s2, target: m, invert: false, batch: b, pixels: s2, smoothing: t.diceSmoothing, weight: t.localWeight)
                if t.diceOnNormal {
                    DiceLoss.backward(dp: dprobs.pointer, p: probs, stride: 2 * s2, target: m, invert: true, batch: b, pixels: s2, smoothing: t.diceSmoothing, weight: t.localWeight)
                }
            }
            text.withPointer { tp in dtext.withMutablePointer { head.backward(dprobs: dprobs.pointer, text: tp, dtext: $0) } }
        }
        let ce = pass.score.crossEntropy(labels: labels)
        dtext.withMutablePointer { pass.score.backwardCrossEntropy(labels: labels, weight: 1, dtext: $0) }
        prompts.backward(dfeatures: dtext, features: text, cache: textCache, grads: grads)
        let seg = levels.reduce(0) { $0 + t.localWeight * ($1.focal + $1.diceAbnormal + $1.diceNormal) }
        return Losses(levels: levels, total: seg + ce, segmentation: seg, image: ce)
    }
}
