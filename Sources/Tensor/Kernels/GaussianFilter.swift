import Foundation

/// Separable Gaussian smoothing of [planes, H, W] maps as SciPy's `ndimage.gaussian_filter`:
/// radius `round(truncate·σ)`, weights exp(−x²/2σ²) normalised, mode "reflect"
/// (half-sample symmetric: d c b a | a b c d | d c b a).
public struct GaussianFilter: Sendable {
    public let sigma: Float
    public let radius: Int
    let weights: [Float]

    public init(sigma: Float, truncate: Float = 4) {
        self.sigma = sigma
        radius = Int((Double(truncate) * Double(sigma)).rounded())
        var w = (-radius...radius).map { x in exp(-0.5 * Double(x * x) / (Double(sigma) * Double(sigma))) }
        let s = w.reduce(0, +)
        w = w.map { $0 / s }
        weights = w.map(Float.init)
    }

    /// SciPy's "reflect" index for any integer position.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    /// out and inp may not alias. scratch [H, W].
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int, scratch: UnsafeMutablePointer<Float>) {
        let r = radius
        let xIdx = (0..<w).map { x in (-r...r).map { GaussianFilter.reflect(x + $0, w) } }
        let yIdx = (0..<h).map { y in (-r...r).map { GaussianFilter.reflect(y + $0, h) } }
        weights.withUnsafeBufferPointer { wt in
            for p in 0..<planes {
                let src = inp + p * h * w, dst = out + p * h * w
                // SciPy filters the last axis first, then the first; the order only changes rounding.
                for y in 0..<h {
                    let row = src + y * w, s = scratch + y * w
                    for x in 0..<w {
                        var acc: Float = 0
                        let idx = xIdx[x]
                        for k in 0..<wt.count { acc += wt[k] * row[idx[k]] }
                        s[x] = acc
                    }
                }
                for y in 0..<h {
                    let idx = yIdx[y], d = dst + y * w
                    for x in 0..<w { d[x] = 0 }
                    for k in 0..<wt.count {
                        let s = scratch + idx[k] * w, wk = wt[k]
                        for x in 0..<w { d[x] += wk * s[x] }
                    }
                }
            }
        }
    }
    // No backward: smoothing is applied to maps at inference only; losses use unsmoothed probabilities.
}
