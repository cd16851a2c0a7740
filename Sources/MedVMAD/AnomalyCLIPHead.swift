import Foundation
import Tensor

/// One level's patch–text comparison of a model without adapters: frozen tokens → pixel probabilities.
///
/// z_p = scale·[f̂_p·t_n, f̂_p·t_a] with f̂_p = f_p/‖f_p‖ on the G×G grid, then per the map rule either
/// a per-patch softmax followed by bilinear half-pixel upsampling of the two probability planes
/// (AnomalyCLIP), or bilinear align-corners upsampling of the two logit planes followed by a per-pixel
/// softmax. The tokens are frozen, so backward only yields the gradient with respect to the text features.
public final class AnomalyCLIPHead: @unchecked Sendable {
    // @unchecked: one instance per forward/backward pass, used by one thread.
    public let batch: Int, grid: Int, size: Int, embed: Int
    public let scale: Float
    public let rule: MedVMADConfig.MapRule
    let up: BilinearUpsample
    /// [B, P, E] unit tokens.
    let unit: FloatBuffer
    /// [B, P, 2] per-patch probabilities (softmax-first rule) or logits (upsample-first rule).
    public let patch: FloatBuffer
    /// [B, 2, S, S] pixel probabilities (normal, abnormal).
    public let probs: FloatBuffer
    let planes: FloatBuffer, scratch: FloatBuffer

    public init(batch: Int, grid: Int, size: Int, embed: Int, scale: Float, rule: MedVMADConfig.MapRule) {
        self.batch = batch
        self.grid = grid
        self.size = size
        self.embed = embed
        self.scale = scale
        self.rule = rule
        up = BilinearUpsample(from: (grid, grid), to: (size, size), alignCorners: rule == .upsampleLogitsAlignCorners)
        let p = grid * grid
        unit = FloatBuffer(count: batch * p * embed)
        patch = FloatBuffer(count: batch * p * 2)
        probs = FloatBuffer(count: batch * 2 * size * size)
        planes = FloatBuffer(count: 2 * p)
        scratch = FloatBuffer(count: grid * size)
    }

    /// - Parameters: tokens [B, P, E] (CLS dropped); text [2, E] unit text features (normal, abnormal).
    public func forward(tokens: UnsafePointer<Float>, text: UnsafePointer<Float>) {
        let p = grid * grid, e = embed, s2 = size * size
        L2Normalize.forward(out: unit.pointer, norms: nil, inp: tokens, rows: batch * p, width: e)
        for b in 0..<batch {
            let z = patch.pointer + b * p * 2
            BLAS.gemm(transA: false, transB: true, m: p, n: 2, k: e, alpha: scale, a: unit.pointer + b * p * e, lda: e, b: text, ldb: e, c: z, ldc: 2)
            if rule == .softmaxThenUpsampleHalfPixel { Softmax.forward(out: z, inp: z, rows: p, width: 2) }
            for i in 0..<p { planes.pointer[i] = z[2 * i]; planes.pointer[p + i] = z[2 * i + 1] }
            let pr = probs.pointer + b * 2 * s2
            up.forward(out: pr, inp: planes.pointer, planes: 2, scratch: scratch.pointer)
            if rule == .upsampleLogitsAlignCorners {
                for i in 0..<s2 {
                    let pa = 1 / (1 + expf(pr[i] - pr[s2 + i]))
                    pr[s2 + i] = pa
                    pr[i] = 1 - pa
                }
            }
        }
    }

    /// Differentiates `forward` with respect to the text features.
    /// - Parameters: dprobs [B, 2, S, S] dL/dprobs (overwritten as workspace); text [2, E]; dtext [2, E] accumulated.
    public func backward(dprobs: UnsafeMutablePointer<Float>, text: UnsafePointer<Float>, dtext: UnsafeMutablePointer<Float>) {
        let p = grid * grid, e = embed, s2 = size * size
        let dplanes = FloatBuffer(count: 2 * p), dz = FloatBuffer(count: p * 2), dpatch = FloatBuffer(count: p * 2)
        for b in 0..<batch {
            let g = dprobs + b * 2 * s2
            if rule == .upsampleLogitsAlignCorners {
                // per-pixel softmax over (u_n, u_a): du_c = p_c (g_c − Σ g·p), in place
                let pr = probs.pointer + b * 2 * s2
                for i in 0..<s2 {
                    let pn = pr[i], pa = pr[s2 + i]
                    let dot = g[i] * pn + g[s2 + i] * pa
                    g[i] = pn * (g[i] - dot)
                    g[s2 + i] = pa * (g[s2 + i] - dot)
                }
            }
            dplanes.zero()
            up.backward(dinp: dplanes.pointer, dout: g, planes: 2, scratch: scratch.pointer)
            let z = patch.pointer + b * p * 2
            if rule == .softmaxThenUpsampleHalfPixel {
                for i in 0..<p { dpatch.pointer[2 * i] = dplanes.pointer[i]; dpatch.pointer[2 * i + 1] = dplanes.pointer[p + i] }
                dz.zero()
                Softmax.backward(dinp: dz.pointer, dout: dpatch.pointer, out: z, rows: p, width: 2)
            } else {
                for i in 0..<p { dz.pointer[2 * i] = dplanes.pointer[i]; dz.pointer[2 * i + 1] = dplanes.pointer[p + i] }
            }
            // z = scale · û tᵀ ⇒ dt += scale · dzᵀ û (the tokens are frozen)
            BLAS.gemm(transA: true, transB: false, m: 2, n: e, k: p, alpha: scale, a: dz.pointer, lda: 2, b: unit.pointer + b * p * e, ldb: e,
                      beta: 1, c: dtext, ldc: e)
        }
    }
}
