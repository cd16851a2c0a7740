import Tensor

/// Buffers for `TransformerBlock.forwardDualPath`, shared by all blocks of a tower.
public final class DualPathScratch: @unchecked Sendable {
    // @unchecked: used by one forward call at a time.
    /// [N, 3C] V | V | V, so that the packed attention kernel computes softmax(V Vᵀ/√d) V.
    let valueTriple: FloatBuffer

    public init(batch b: Int, tokens t: Int, width c: Int) {
        valueTriple = FloatBuffer(count: b * t * 3 * c)
    }
}

extension TransformerBlock {
    /// One block of AnomalyCLIP's DPAM ("v-v attention") with its two residual streams, forward only.
    ///
    /// From h = LN1(x): O = out_proj(softmax(Q Kᵀ/√d) V) and W = out_proj(softmax(V Vᵀ/√d) V), with the
    /// block's own in_proj and out_proj. The original stream goes on as a standard block,
    /// `x ← x + O; x ← x + MLP(LN2(x))`; the v-v stream only accumulates `vv ← vv + W` (no MLP) and
    /// never feeds attention.
    /// - Parameters: x, vv: [B, T, C], both updated in place.
    public func forwardDualPath(_ x: UnsafeMutablePointer<Float>, valueStream vv: UnsafeMutablePointer<Float>, batch b: Int, tokens t: Int,
                                scratch s: BlockScratch, dual: DualPathScratch) {
        let c = width, m = mlpWidth, n = b * t
        LayerNorm.forward(out: s.ln.pointer, mean: nil, rstd: nil, inp: x, weight: ln1W.pointer, bias: ln1B.pointer, rows: n, width: c, eps: eps)
        Linear.forward(out: s.qkv.pointer, inp: s.ln.pointer, weight: qkvW.pointer, bias: qkvB.pointer, rows: n, inFeatures: c, outFeatures: 3 * c)
        let triple = dual.valueTriple.pointer
        for r in 0..<n {
            let v = s.qkv.pointer + r * 3 * c + 2 * c, dst = triple + r * 3 * c
            dst.update(from: v, count: c)
            (dst + c).update(from: v, count: c)
            (dst + 2 * c).update(from: v, count: c)
        }
        // v-v path: vv += attn_vv · Woutᵀ + bout
        Attention.forward(out: s.attn.pointer, probs: nil, qkv: triple, batch: b, tokens: t, width: c, heads: heads, causal: causal)
        for r in 0..<n { Elementwise.axpy(vv + r * c, outB.pointer, alpha: 1, count: c) }
        BLAS.gemm(transA: false, transB: true, m: n, n: c, k: c, a: s.attn.pointer, lda: c, b: outW.pointer, ldb: c, beta: 1, c: vv, ldc: c)
        // original path: x += attn · Woutᵀ + bout, then the MLP branch
        Attention.forward(out: s.attn.pointer, probs: nil, qkv: s.qkv.pointer, batch: b, tokens: t, width: c, heads: heads, causal: causal)
        for r in 0..<n { Elementwise.axpy(x + r * c, outB.pointer, alpha: 1, count: c) }
        BLAS.gemm(transA: false, transB: true, m: n, n: c, k: c, a: s.attn.pointer, lda: c, b: outW.pointer, ldb: c, beta: 1, c: x, ldc: c)
        LayerNorm.forward(out: s.ln.pointer, mean: nil, rstd: nil, inp: x, weight: ln2W.pointer, bias: ln2B.pointer, rows: n, width: c, eps: eps)
        Linear.forward(out: s.act.pointer, inp: s.ln.pointer, weight: fc1W.pointer, bias: fc1B.pointer, rows: n, inFeatures: c, outFeatures: m)
        activation.forward(out: s.act.pointer, inp: s.act.pointer, count: n * m)
        for r in 0..<n { Elementwise.axpy(x + r * c, fc2B.pointer, alpha: 1, count: c) }
        BLAS.gemm(transA: false, transB: true, m: n, n: c, k: m, a: s.act.pointer, lda: m, b: fc2W.pointer, ldb: m, beta: 1, c: x, ldc: c)
    }
}

extension VisionTower {
    /// The projection alone (no `ln_post`) on every row: [N, C] → [N, E]. AnomalyCLIP's global image
    /// embedding is the final CLS row projected this way.
    public func projectWithoutNorm(_ x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>) {
        Linear.forward(out: out, inp: x, weight: proj.pointer, bias: nil, rows: n, inFeatures: config.width, outFeatures: projectionDim)
    }
}
