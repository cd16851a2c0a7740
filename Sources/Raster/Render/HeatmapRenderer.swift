/// Blends a colour-mapped anomaly map over a grey or colour slice.
///
/// For each pixel with map value v, let t = (v − lo) / (hi − lo) on the fixed `scale`:
/// - t ≤ 0 (v ≤ lo) or v NaN: the base pixel is kept exactly — normal tissue stays as it was;
/// - otherwise a = `alpha` · min(t, 1) and the output is round((1 − a) · base + a · colour(t)),
///   per channel, where colour(t) is the colour map's entry for t.
/// So opacity grows linearly from 0 at `lo` to `alpha` at `hi` and above, and a weak response
/// tints the slice faintly while a strong one shows the map's colour.
public struct HeatmapRenderer: Sendable {
    /// The colour map of the overlay.
    public let colormap: Colormap
    /// The fixed value range the colour map spans.
    public let scale: ColorScale
    /// Opacity at and above `hi`, in [0, 1].
    public let alpha: Float

    /// An overlay recipe; `alpha` is clamped to [0, 1] (NaN becomes 0).
    public init(colormap: Colormap = .inferno, scale: ColorScale = .unit, alpha: Float = 0.6) {
        self.colormap = colormap
        self.scale = scale
        self.alpha = max(0, min(1, alpha.isFinite ? alpha : 0))
    }

    /// The map blended over `base` as an RGB image (grey bases are replicated to RGB, RGBA bases
    /// lose their alpha). Throws `invalidSize` when the sizes differ.
    public func overlay(map: FloatImage, on base: ByteImage) throws -> ByteImage {
        guard map.width == base.width, map.height == base.height else {
            throw RasterError.invalidSize(reason: "heat map \(map.width)×\(map.height) does not match image \(base.width)×\(base.height)")
        }
        var out = base.converted(to: .rgb)
        let n = map.width * map.height
        let scale = self.scale, alpha = self.alpha
        colormap.table.withUnsafeBufferPointer { lut in
            map.values.withUnsafeBufferPointer { src in
                out.pixels.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        let t = scale.fraction(src[i])
                        guard t > 0 else { continue }  // ≤ lo or NaN: untouched
                        let a = alpha * min(t, 1)
                        let e = Colormap.index(at: t) * 3
                        for c in 0..<3 {
                            let mixed = (1 - a) * Float(dst[3 * i + c]) + a * Float(lut[e + c])
                            dst[3 * i + c] = UInt8(max(0, min(255, mixed.rounded())))
                        }
                    }
                }
            }
        }
        return out
    }
}
