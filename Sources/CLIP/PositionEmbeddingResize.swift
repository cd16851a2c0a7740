import Tensor

/// Resizes the grid rows of a positional embedding to another grid size; the CLS row is kept.
public enum PositionEmbeddingResize: String, Codable, Sendable {
    /// PyTorch bicubic, a = −0.75, align_corners = False, no antialias (transformers' `interpolate_pos_encoding`).
    case bicubic
    /// PyTorch bilinear, align_corners = False (half-pixel), no antialias.
    case bilinear
    /// PyTorch bicubic with antialias = True (PIL kernel a = −0.5, support stretched when shrinking), align_corners = False.
    case bicubicAntialiased = "bicubic_antialiased"

    /// - Parameters:
    ///   - embedding: [1 + g0², C], CLS first.
    ///   - grid: the new grid side g.
    /// - Returns: [1 + g², C].
    public func resize(_ embedding: [Float], width c: Int, from g0: Int, to g: Int) -> [Float] {
        if g == g0 { return embedding }
        var out = [Float](repeating: 0, count: (1 + g * g) * c)
        for i in 0..<c { out[i] = embedding[i] }
        if self == .bicubicAntialiased {
            let resize = AntialiasedBicubicResize(from: g0, to: g)
            embedding.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in resize.forward(out: dst.baseAddress! + c, inp: src.baseAddress! + c, channels: c) }
            }
            return out
        }
        let scale = Double(g0) / Double(g)
        // Per output coordinate: source taps and weights (same along both axes).
        var taps: [[(Int, Double)]] = []
        for o in 0..<g {
            let src = (Double(o) + 0.5) * scale - 0.5
            switch self {
            case .bicubic:
                let f = src.rounded(.down)
                let tt = src - f
                let a = -0.75
                func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
                func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
                let w = [far(tt + 1), near(tt), near(1 - tt), far(2 - tt)]
                taps.append((0..<4).map { k in (min(max(Int(f) - 1 + k, 0), g0 - 1), w[k]) })
            case .bicubicAntialiased:
                break
            case .bilinear:
                let s = max(src, 0)
                let i0 = min(Int(s), g0 - 1)
                let i1 = min(i0 + 1, g0 - 1)
                let l = s - Double(i0)
                taps.append([(i0, 1 - l), (i1, l)])
            }
        }
        for oy in 0..<g {
            for ox in 0..<g {
                let dst = (1 + oy * g + ox) * c
                for (sy, wy) in taps[oy] {
                    for (sx, wx) in taps[ox] {
                        let w = Float(wy * wx)
                        let src = (1 + sy * g0 + sx) * c
                        for ch in 0..<c { out[dst + ch] += w * embedding[src + ch] }
                    }
                }
            }
        }
        return out
    }
}
