/// Layer normalisation over the last dimension: `out = (x − μ)/√(σ² + eps) · w + b`.
public enum LayerNorm {
    /// - Parameters:
    ///   - out: [N, C].  - mean, rstd: [N], saved for backward (may be nil at inference).
    ///   - inp: [N, C].  - weight, bias: [C].
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
                               inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               rows n: Int, width c: Int, eps: Float) {
        Parallel.chunks(n, grain: 16) { range in
            for r in range {
                let x = inp + r * c
                let m = VectorOps.sum(x, count: c) / Float(c)
                let v = VectorOps.sumSquaredDeviation(x, from: m, count: c) / Float(c)
                let s = 1 / (v + eps).squareRoot()
                let o = out + r * c
                for i in 0..<c { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
                mean?[r] = m
                rstd?[r] = s
            }
        }
    }

    /// Differentiates `forward` with respect to its input (and, when given, weight and bias).
    /// - Parameters: dinp [N, C] (accumulated), dout [N, C], inp [N, C], mean/rstd [N] from forward.
    @inlinable
    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows n: Int, width c: Int) {
        Parallel.chunks(n, grain: 16) { range in
            for r in range {
                let x = inp + r * c, g = dout + r * c, d = dinp + r * c
                let m = mean[r], s = rstd[r]
                // x̂ = (x − μ)s, y = x̂w + b ⇒ dx = s(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·w
                // Both sums with eight-lane accumulators (a scalar loop would not be vectorised).
                var accG = SIMD8<Float>(), accGX = SIMD8<Float>()
                let mv = SIMD8<Float>(repeating: m)
                var i = 0
                while i + 8 <= c {
                    let gh = VectorOps.load(g, i) * VectorOps.load(weight, i)
                    accG += gh
                    accGX += gh * (VectorOps.load(x, i) - mv)
                    i += 8
                }
                var sumG = accG.sum(), sumGX = accGX.sum()
                while i < c {
                    let gh = g[i] * weight[i]
                    sumG += gh
                    sumGX += gh * (x[i] - m)
                    i += 1
                }
                sumG /= Float(c)
                sumGX = sumGX * s / Float(c)
                for i in 0..<c {
                    let xh = (x[i] - m) * s
                    d[i] += s * (g[i] * weight[i] - sumG - xh * sumGX)
                }
            }
        }
        if dweight != nil || dbias != nil {
            for r in 0..<n {
                let x = inp + r * c, g = dout + r * c
                for i in 0..<c {
                    dweight?[i] += g[i] * (x[i] - mean[r]) * rstd[r]
                    dbias?[i] += g[i]
                }
            }
        }
    }
}
