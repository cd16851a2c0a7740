import Foundation

/// One synthetic FLAIR-like bright lesion: a perturbed ellipse with a smooth edge and mild internal texture.
///
/// Shape: the normalised radius d(x, y) = ρ / b(φ), where ρ is the elliptic radius (axes `radius` and
/// `radius·aspect`, turned by `rotation`) and b(φ) = 1 + Σ_k a_k cos(kφ + p_k) for k = 2…5 bends the
/// outline into an irregular blob. The blend weight w(d) is 1 inside d ≤ 1 − s, 0 outside d ≥ 1 + s
/// and a smoothstep between (s = `edge`); w = ½ exactly on the outline d = 1.
///
/// Intensity: new = base + w·contrast·(1 − texture·t(x, y))·(peak − base), t ∈ [0, 1] a smooth
/// pattern. **Mask** = pixels with w ≥ `maskWeight` (½): where the lesion adds at least half of its
/// full local contribution.
public struct SyntheticLesion: Sendable, Codable, Equatable {
    /// Centre, in pixels (x right, y down).
    public var centerX: Double
    public var centerY: Double
    /// Semi-axis along the lesion's own x, in pixels.
    public var radius: Double
    /// Second semi-axis = radius·aspect.
    public var aspect: Double
    /// Turn of the ellipse, radians.
    public var rotation: Double
    /// Outline harmonics k = 2…5: amplitudes and phases.
    public var harmonics: [Double]
    public var phases: [Double]
    /// Half-width of the soft edge in normalised radius (0 < edge < 1).
    public var edge: Double
    /// Fraction of the way from the tissue value to `peak` at full weight (subtle 0.15 … strong 0.9).
    public var contrast: Double
    /// Brightest value the lesion tends to.
    public var peak: Double
    /// Depth of the internal texture (0 = uniform).
    public var texture: Double
    /// Texture phase and frequency (cycles per radius).
    public var texturePhase: Double
    public var textureFrequency: Double

    /// The blend weight at and above which a pixel belongs to the mask.
    public static let maskWeight = 0.5

    /// Draws a lesion of radius in `radiusRange` (pixels) centred at (x, y).
    public static func random(centerX: Double, centerY: Double, radiusRange: ClosedRange<Double>,
                              contrastRange: ClosedRange<Double>, using rng: inout SeededRandom) -> SyntheticLesion {
        // Log-uniform radius: as many small lesions as large ones.
        let r = exp(rng.uniform(log(radiusRange.lowerBound), log(radiusRange.upperBound)))
        let harmonics = (2...5).map { k in rng.uniform(0, 0.22 / Double(k - 1)) }
        let phases = (0..<4).map { _ in rng.uniform(0, 2 * Double.pi) }
        return SyntheticLesion(
            centerX: centerX, centerY: centerY, radius: r, aspect: rng.uniform(0.55, 1.0),
            rotation: rng.uniform(0, Double.pi), harmonics: harmonics, phases: phases,
            edge: rng.uniform(0.15, 0.4), contrast: rng.uniform(contrastRange.lowerBound, contrastRange.upperBound),
            peak: rng.uniform(215, 250), texture: rng.uniform(0, 0.3), texturePhase: rng.uniform(0, 2 * Double.pi),
            textureFrequency: rng.uniform(0.6, 1.6))
    }

    /// Largest distance from the centre at which the weight can be nonzero.
    public var reach: Double {
        radius * (1 + harmonics.reduce(0, +)) * (1 + edge)
    }

    /// Normalised radius d at (x, y) (pixel centres).
    public func normalisedRadius(x: Double, y: Double) -> Double {
        let dx = x - centerX, dy = y - centerY
        let c = cos(rotation), s = sin(rotation)
        let u = (c * dx + s * dy) / radius
        let v = (-s * dx + c * dy) / (radius * aspect)
        let rho = (u * u + v * v).squareRoot()
        let phi = atan2(v, u)
        var bend = 1.0
        for (i, a) in harmonics.enumerated() { bend += a * cos(Double(i + 2) * phi + phases[i]) }
        return rho / bend
    }

    /// Blend weight w ∈ [0, 1] at (x, y).
    public func weight(x: Double, y: Double) -> Double {
        let d = normalisedRadius(x: x, y: y)
        if d <= 1 - edge { return 1 }
        if d >= 1 + edge { return 0 }
        let t = (1 + edge - d) / (2 * edge)
        return t * t * (3 - 2 * t)
    }

    /// Texture factor 1 − texture·t(x, y), in [1 − texture, 1].
    func textureFactor(x: Double, y: Double) -> Double {
        let k = 2 * Double.pi * textureFrequency / radius
        let t = 0.5 + 0.25 * (sin(k * (x - centerX) + texturePhase) + sin(k * 0.8 * (y - centerY) - 1.3 * texturePhase))
        return 1 - texture * t
    }

    /// Pixels (x, y) within `reach` of the centre, clipped to a size×size image.
    func support(size n: Int) -> (x: ClosedRange<Int>, y: ClosedRange<Int>)? {
        let r = reach
        let x0 = max(0, Int((centerX - r).rounded(.down))), x1 = min(n - 1, Int((centerX + r).rounded(.up)))
        let y0 = max(0, Int((centerY - r).rounded(.down))), y1 = min(n - 1, Int((centerY + r).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return nil }
        return (x0...x1, y0...y1)
    }

    /// True when every pixel where the weight can be nonzero lies inside `allowed` (size×size, 1 = allowed).
    public func fits(in allowed: [UInt8], size n: Int) -> Bool {
        let r = reach
        guard centerX - r >= 0, centerY - r >= 0, centerX + r <= Double(n - 1), centerY + r <= Double(n - 1),
              let box = support(size: n) else { return false }
        for y in box.y {
            for x in box.x where allowed[y * n + x] == 0 && weight(x: Double(x), y: Double(y)) > 0 {
                return false
            }
        }
        return true
    }

    /// Adds the lesion to `grey` (size×size) inside `brain` and marks its mask pixels in `mask`.
    public func apply(to grey: inout [UInt8], mask: inout [UInt8], brain: [UInt8], size n: Int) {
        guard let box = support(size: n) else { return }
        for y in box.y {
            for x in box.x where brain[y * n + x] != 0 {
                let w = weight(x: Double(x), y: Double(y))
                guard w > 0 else { continue }
                let i = y * n + x
                let base = Double(grey[i])
                let added = w * contrast * textureFactor(x: Double(x), y: Double(y)) * max(0, peak - base)
                grey[i] = UInt8(min(255, (base + added).rounded()))
                if w >= Self.maskWeight { mask[i] = 255 }
            }
        }
    }
}
