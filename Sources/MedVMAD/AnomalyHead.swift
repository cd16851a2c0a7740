import Tensor

/// One level's patch–text comparison: seg features → pixel probabilities, det features → image score.
///
/// seg: ŝ = ŝ_p/‖ŝ_p‖, logits z_p = scale·[ŝ_p·t_n, ŝ_p·t_a] on the G×G grid, bilinear
/// (align-corners) upsampling of the two logit planes to S×S, softmax over the two channels.
/// det: score = mean over patches of softmax(scale·[d̂_p·t_n, d̂_p·t_a])[abnormal].
public final class AnomalyHead: @unchecked Sendable {
    // @unchecked: one instance per forward/backward pass, used by one thread.
    public let batch: Int, grid: Int, size: Int, embed: Int
    public let scale: Float
    let up: BilinearUpsample
    /// [B, P, E] normalised seg / det features and their norms [B, P].
    let segUnit: FloatBuffer, segNorm: FloatBuffer, detUnit: FloatBuffer, detNorm: FloatBuffer
    /// [B, P, 2] det probabilities.
    let detProb: FloatBuffer
    /// [B, 2, S, S] pixel probabilities (normal, abnormal).
    public let probs: FloatBuffer
    /// [B] image scores.
    public private(set) var scores: [Float]
    let scratch: FloatBuffer

    public init(batch: Int, grid: Int, size: Int, embed: Int, scale: Float) {
        self.batch = batch
        self.grid = grid
        self.size = size
        self.embed = embed
        self.scale = scale
        up = BilinearUpsample(from: (grid, grid), to: (size, size), alignCorners: true)
        let p = grid * grid
        segUnit = FloatBuffer(count: batch * p * embed)
        segNorm = FloatBuffer(count: batch * p)
        detUnit = FloatBuffer(count: batch * p * embed)
        detNorm = FloatBuffer(count: batch * p)
        detProb = FloatBuffer(count: batch * p * 2)
        probs = FloatBuffer(count: batch * 2 * size * size)
        scores = [Float](repeating: 0, count: batch)
        scratch = FloatBuffer(count: max(grid * size, 2 * p))
    }

    /// - Parameters:
    ///   - seg, det: [B, P, E] features of the P = G² patches (CLS dropped).
    ///   - text: [2, E] unit text features (normal, abnormal).
    public func forward(seg: UnsafePointer<Float>, det: UnsafePointer<Float>, text: UnsafePointer<Float>) {
        let p = grid * grid, e = embed, s2 = size * size
        L2Normalize.forward(out: segUnit.pointer, norms: segNorm.pointer, inp: seg, rows: batch * p, width: e)
        L2Normalize.forward(out: detUnit.pointer, norms: detNorm.pointer, inp: det, rows: batch * p, width: e)
        let logits = FloatBuffer(count: p * 2), planes = FloatBuffer(count: 2 * p)
        for b in 0..<batch {
            // z [P, 2] = scale · ŝ tᵀ, then into two G×G planes
            BLAS.gemm(transA: false, transB: true, m: p, n: 2, k: e, alpha: scale, a: segUnit.pointer + b * p * e, lda: e, b: text, ldb: e, c: logits.pointer, ldc: 2)
            for i in 0..<p { planes.pointer[i] = logits.pointer[2 * i]; planes.pointer[p + i] = logits.pointer[2 * i + 1] }
            let pr = probs.pointer + b * 2 * s2
            up.forward(out: pr, inp: planes.pointer, planes: 2, scratch: scratch.pointer)
            for i in 0..<s2 {
                // two-way softmax: p_a = σ(u_a − u_n)
                let pa = 1 / (1 + expf(pr[i] - pr[s2 + i]))
                pr[s2 + i] = pa
                pr[i] = 1 - pa
            }
            // det
            let dp = detProb.pointer + b * p * 2
            BLAS.gemm(transA: false, transB: true, m: p, n: 2, k: e, alpha: scale, a: detUnit.pointer + b * p * e, lda: e, b: text, ldb: e, c: dp, ldc: 2)
            var sum: Float = 0
            for i in 0..<p {
                let pa = 1 / (1 + expf(dp[2 * i] - dp[2 * i + 1]))
                dp[2 * i] = 1 - pa
                dp[2 * i + 1] = pa
                sum += pa
            }
            scores[b] = sum / Float(p)
        }
    }

    /// Differentiates `forward`.
    /// - Parameters:
    ///   - dprobs: [B, 2, S, S] dL/dprobs (read only).  - dscores: [B].
    ///   - dseg, ddet: [B, P, E] accumulated.  - dtext: [2, E] accumulated.
    public func backward(dprobs: UnsafePointer<Float>, dscores: [Float], text: UnsafePointer<Float>,
                         dseg: UnsafeMutablePointer<Float>, ddet: UnsafeMutablePointer<Float>, dtext: UnsafeMutablePointer<Float>) {
        let p = grid * grid, e = embed, s2 = size * size
        let du = FloatBuffer(count: 2 * s2), dplanes = FloatBuffer(count: 2 * p), dz = FloatBuffer(count: p * 2)
        let dunit = FloatBuffer(count: p * e)
        for b in 0..<batch {
            let pr = probs.pointer + b * 2 * s2, g = dprobs + b * 2 * s2
            // softmax over (u_n, u_a): du_c = p_c (g_c − Σ g·p)
            for i in 0..<s2 {
                let pn = pr[i], pa = pr[s2 + i]
                let dot = g[i] * pn + g[s2 + i] * pa
                du.pointer[i] = pn * (g[i] - dot)
                du.pointer[s2 + i] = pa * (g[s2 + i] - dot)
            }
            dplanes.zero()
            up.backward(dinp: dplanes.pointer, dout: du.pointer, planes: 2, scratch: scratch.pointer)
            for i in 0..<p { dz.pointer[2 * i] = dplanes.pointer[i]; dz.pointer[2 * i + 1] = dplanes.pointer[p + i] }
            backwardCosines(dz: dz.pointer, unit: segUnit.pointer + b * p * e, norms: segNorm.pointer + b * p, text: text,
                            dfeat: dseg + b * p * e, dtext: dtext, dunit: dunit)
            // det: score = mean_p σ(c_a − c_n) ⇒ dc_a = ds·p_a p_n / P, dc_n = −dc_a
            let dp = detProb.pointer + b * p * 2
            for i in 0..<p {
                let v = dscores[b] * dp[2 * i] * dp[2 * i + 1] / Float(p)
                dz.pointer[2 * i] = -v
                dz.pointer[2 * i + 1] = v
            }
            backwardCosines(dz: dz.pointer, unit: detUnit.pointer + b * p * e, norms: detNorm.pointer + b * p, text: text,
                            dfeat: ddet + b * p * e, dtext: dtext, dunit: dunit)
        }
    }

    /// z = scale · û tᵀ with û = u/‖u‖: dû = scale · dz t, dt += scale · dzᵀ û, du += L2ᵀ(dû).
    private func backwardCosines(dz: UnsafePointer<Float>, unit: UnsafePointer<Float>, norms: UnsafePointer<Float>, text: UnsafePointer<Float>,
                                 dfeat: UnsafeMutablePointer<Float>, dtext: UnsafeMutablePointer<Float>, dunit: FloatBuffer) {
        let p = grid * grid, e = embed
        BLAS.gemm(transA: false, transB: false, m: p, n: e, k: 2, alpha: scale, a: dz, lda: 2, b: text, ldb: e, beta: 0, c: dunit.pointer, ldc: e)
        BLAS.gemm(transA: true, transB: false, m: 2, n: e, k: p, alpha: scale, a: dz, lda: 2, b: unit, ldb: e, beta: 1, c: dtext, ldc: e)
        L2Normalize.backward(dinp: dfeat, dout: dunit.pointer, out: unit, norms: norms, rows: p, width: e)
    }
}

import Foundation
