import Foundation

/// The weight each tile's map gets at each of its pixels when overlapping tiles are blended.
///
/// Separable: w(x, y) = w₁(x) · w₁(y) on a T-pixel tile, with pixel centres at u = (i + ½)/T:
/// - `hann`: w₁ = sin²(π u) = ½ − ½ cos(2π u) — smooth, near 0 at tile edges where a ViT map is
///   least reliable, and (strictly) positive so a border pixel covered by one tile is still defined;
/// - `linear`: w₁ = 1 − |2u − 1| (a triangle peaking at the tile centre);
/// - `uniform`: w₁ = 1 (plain averaging).
/// The blended map is Σ wₜ·mₜ / Σ wₜ over the tiles covering a pixel, so any window reproduces
/// a map that every tile agrees on.
public enum TileWindow: String, Codable, Sendable, CaseIterable {
    case hann, linear, uniform

    /// The 1-D weights for a tile `length` pixels long.
    public func weights(length: Int) -> [Float] {
        (0..<length).map { i in
            let u = (Double(i) + 0.5) / Double(length)
            switch self {
            case .hann: return Float(sin(Double.pi * u) * sin(Double.pi * u))
            case .linear: return Float(1 - abs(2 * u - 1))
            case .uniform: return 1
            }
        }
    }
}
