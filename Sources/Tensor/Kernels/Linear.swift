/// Fully connected layer, PyTorch layout: `out = inp · Wᵀ + b`.
public enum Linear {
    /// - Parameters:
    ///   - out: [N, OC] output.
    ///   - inp: [N, C] input rows.
    ///   - weight: [OC, C].
    ///   - bias: [OC] or nil.
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, rows n: Int, inFeatures c: Int, outFeatures oc: Int) {
        if let bias {
            for r in 0..<n { (out + r * oc).update(from: bias, count: oc) }
        }
        BLAS.gemm(transA: false, transB: true, m: n, n: oc, k: c, a: inp, lda: c, b: weight, ldb: c,
                  beta: bias == nil ? 0 : 1, c: out, ldc: oc)
    }

    /// Differentiates `forward`. Accumulates (`+=`) into whichever gradient buffers are given;
    /// frozen weights pass nil and cost nothing.
    /// - Parameters:
    ///   - dinp: [N, C] or nil.  - dweight: [OC, C] or nil.  - dbias: [OC] or nil.
    ///   - dout: [N, OC].  - inp: [N, C] (needed only for dweight).
    ///   - accumulateInput: false overwrites `dinp` instead of adding to it (no zero-fill needed first).
    @inlinable
    public static func backward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                rows n: Int, inFeatures c: Int, outFeatures oc: Int, accumulateInput: Bool = true) {
        // out = inp · Wᵀ  ⇒  dinp += dout · W
        if let dinp {
            BLAS.gemm(transA: false, transB: false, m: n, n: c, k: oc, a: dout, lda: oc, b: weight, ldb: c,
                      beta: accumulateInput ? 1 : 0, c: dinp, ldc: c)
        }
        // ⇒ dW += doutᵀ · inp
        if let dweight, let inp {
            BLAS.gemm(transA: true, transB: false, m: oc, n: c, k: n, a: dout, lda: oc, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
        }
        // out = … + b  ⇒  db += Σ_rows dout
        if let dbias {
            for r in 0..<n {
                let row = dout + r * oc
                for j in 0..<oc { dbias[j] += row[j] }
            }
        }
    }
}
