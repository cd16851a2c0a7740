import Foundation

/// Multi-head scaled dot-product attention over packed Q|K|V rows.
///
/// Heads are contiguous `D`-wide slices of the `C` features; scores are scaled by 1/√D before the
/// softmax; a causal mask (text tower) hides keys after the query. Products run in place on
/// strided views of `qkv`, so no head is ever copied out.
public enum Attention {
    /// - Parameters:
    ///   - out: [B, T, C] attention output (before the output projection).
    ///   - probs: [B, H, T, T] softmax probabilities, kept for backward; nil when nothing will
    ///     differentiate this call (inference): each worker then reuses one [T, T] buffer that stays
    ///     in cache instead of streaming B·H of them through memory, and the softmax's division is
    ///     applied to the [T, D] output rows rather than the [T, T] probabilities.
    ///   - qkv: [B, T, 3C], Q | K | V along the last dimension.
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?, qkv: UnsafePointer<Float>,
                               batch b: Int, tokens t: Int, width c: Int, heads h: Int, causal: Bool) {
        let d = c / h
        let scale = 1 / Float(d).squareRoot()
        let c3 = 3 * c
        let units = b * h
        // Heads run in parallel on the cores; each head's small products run single-threaded.
        BLAS.withThreads(Parallel.workers > 1 ? 1 : BLAS.threads) {
        Parallel.chunks(units, grain: 1) { range in
            let local = probs == nil ? UnsafeMutablePointer<Float>.allocate(capacity: t * t + t) : nil
            defer { local?.deallocate() }
            for u in range {
                let bi = u / h, hi = u % h
                let q = qkv + bi * t * c3 + hi * d
                let k = q + c
                let v = q + 2 * c
                let p = probs.map { $0 + u * t * t } ?? local!
                let o = out + bi * t * c + hi * d
                // S = scale · Q Kᵀ  [T, T]
                BLAS.gemm(transA: false, transB: true, m: t, n: t, k: d, alpha: scale, a: q, lda: c3, b: k, ldb: c3, beta: 0, c: p, ldc: t)
                for i in 0..<t {
                    let row = p + i * t
                    let valid = causal ? i + 1 : t
                    let mx = VectorOps.max(row, count: valid)
                    let sum = FastMath.expSum(out: row, inp: row, count: valid, shift: -mx)
                    if probs != nil { VectorOps.scale(row, by: 1 / sum, count: valid) } else { local![t * t + i] = 1 / sum }
                    for j in valid..<t { row[j] = 0 }
                }
                // O = P V  [T, D] into the head's slice of out
                BLAS.gemm(transA: false, transB: false, m: t, n: d, k: t, a: p, lda: t, b: v, ldb: c3, beta: 0, c: o, ldc: c)
                if let local {
                    for i in 0..<t { VectorOps.scale(o + i * c, by: local[t * t + i], count: d) }
                }
            }
        }
        }
    }

    /// Differentiates `forward` with respect to `qkv`, accumulating into `dqkv`.
    /// - Parameters:
    ///   - dqkv: [B, T, 3C] (accumulated, or overwritten when `accumulate` is false: every value
    ///     belongs to exactly one head, so no zero-fill is needed first).
    ///   - scratch: [B, H, T, T] workspace, overwritten.
    ///   - dout: [B, T, C].  - qkv, probs: as in forward.
    @inlinable
    public static func backward(dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                batch b: Int, tokens t: Int, width c: Int, heads h: Int, accumulate: Bool = true) {
        let beta: Float = accumulate ? 1 : 0
        let d = c / h
        let scale = 1 / Float(d).squareRoot()
        let c3 = 3 * c
        BLAS.withThreads(Parallel.workers > 1 ? 1 : BLAS.threads) {
        Parallel.chunks(b * h, grain: 1) { range in
            for u in range {
                let bi = u / h, hi = u % h
                let q = qkv + bi * t * c3 + hi * d
                let k = q + c, v = q + 2 * c
                let dq = dqkv + bi * t * c3 + hi * d
                let dk = dq + c, dv = dq + 2 * c
                let p = probs + u * t * t
                let dp = scratch + u * t * t
                let dO = dout + bi * t * c + hi * d
                // O = P V ⇒ dV += Pᵀ dO, dP = dO Vᵀ
                BLAS.gemm(transA: true, transB: false, m: t, n: d, k: t, a: p, lda: t, b: dO, ldb: c, beta: beta, c: dv, ldc: c3)
                BLAS.gemm(transA: false, transB: true, m: t, n: t, k: d, a: dO, lda: c, b: v, ldb: c3, beta: 0, c: dp, ldc: t)
                // P = softmax(S) ⇒ dS = P ⊙ (dP − Σ_j dP·P); masked entries have P = 0 and so dS = 0.
                for i in 0..<t {
                    let pr = p + i * t, dr = dp + i * t
                    let dot = VectorOps.dot(pr, dr, count: t)
                    VectorOps.softmaxBackwardRow(dr, probs: pr, dot: dot, count: t)
                }
                // S = scale · Q Kᵀ ⇒ dQ += scale·dS K, dK += scale·dSᵀ Q
                BLAS.gemm(transA: false, transB: false, m: t, n: d, k: t, alpha: scale, a: dp, lda: t, b: k, ldb: c3, beta: beta, c: dq, ldc: c3)
                BLAS.gemm(transA: true, transB: false, m: t, n: d, k: t, alpha: scale, a: dp, lda: t, b: q, ldb: c3, beta: beta, c: dk, ldc: c3)
            }
        }
        }
    }
}
