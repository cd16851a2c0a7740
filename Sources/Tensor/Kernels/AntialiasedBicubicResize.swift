/// Separable antialiased bicubic resizing of a square channels-last grid, as PyTorch's
/// `F.interpolate(mode="bicubic", antialias=True, align_corners=False)` computes it.
///
/// Per output index i along an axis of n → m samples, with scale r = n/m:
/// centre c = r·(i + 0.5); support h = 2·r when r ≥ 1 (shrinking: the kernel is stretched) else 2;
/// taps j ∈ [max(⌊c − h + 0.5⌋, 0), min(⌊c + h + 0.5⌋, n)), weights
/// w_j = K((j − c + 0.5)·min(1, 1/r)) normalised to sum 1, with the Keys cubic K of a = −0.5
/// (PIL's kernel; the non-antialiased path uses a = −0.75). The same taps serve both axes.
public struct AntialiasedBicubicResize: Sendable {
    public let from: Int, to: Int
    /// Per output index: first tap and the normalised weights.
    let starts: [Int]
    let weights: [[Double]]

    public init(from n: Int, to m: Int) {
        from = n
        to = m
        let scale = Double(n) / Double(m)
        let support = scale >= 1 ? 2 * scale : 2
        let invScale = scale >= 1 ? 1 / scale : 1
        var starts: [Int] = [], weights: [[Double]] = []
        for i in 0..<m {
            let centre = scale * (Double(i) + 0.5)
            // Truncation toward zero as in C's cast, then clamped at 0.
            let lo = max(Int(centre - support + 0.5), 0)
            let hi = min(Int(centre + support + 0.5), n)
            var w = (lo..<hi).map { Self.kernel((Double($0) - centre + 0.5) * invScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            starts.append(lo)
            weights.append(w)
        }
        self.starts = starts
        self.weights = weights
    }

    /// Keys cubic convolution kernel with a = −0.5.
    static func kernel(_ x: Double) -> Double {
        let a = -0.5, t = abs(x)
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return 0
    }

    /// `out` [m, m, C] = resize of `inp` [n, n, C] (rows then columns; the operator is separable and linear).
    /// Accumulates in Double: the grid is small and this runs once per image size.
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, channels c: Int) {
        let n = from, m = to
        var acc = [Double](repeating: 0, count: c)
        for oy in 0..<m {
            for ox in 0..<m {
                for k in 0..<c { acc[k] = 0 }
                for (dy, wy) in weights[oy].enumerated() {
                    let y = starts[oy] + dy
                    for (dx, wx) in weights[ox].enumerated() {
                        let x = starts[ox] + dx, w = wy * wx
                        let src = inp + (y * n + x) * c
                        for k in 0..<c { acc[k] += w * Double(src[k]) }
                    }
                }
                let dst = out + (oy * m + ox) * c
                for k in 0..<c { dst[k] = Float(acc[k]) }
            }
        }
    }

    /// `dinp` [n, n, C] += transpose of `forward` applied to `dout` [m, m, C].
    public func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, channels c: Int) {
        let n = from, m = to
        for oy in 0..<m {
            for ox in 0..<m {
                let g = dout + (oy * m + ox) * c
                for (dy, wy) in weights[oy].enumerated() {
                    let y = starts[oy] + dy
                    for (dx, wx) in weights[ox].enumerated() {
                        let x = starts[ox] + dx, w = Float(wy * wx)
                        let dst = dinp + (y * n + x) * c
                        for k in 0..<c { dst[k] += w * g[k] }
                    }
                }
            }
        }
    }
}
