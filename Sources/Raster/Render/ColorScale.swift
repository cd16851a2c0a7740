/// The value range a colour map spans: `lo` maps to the map's first colour, `hi` to its last.
///
/// Renderers take a scale from the caller so that one value has one colour in every image of a
/// study or an evaluation (a per-image range would make every image look equally anomalous).
/// `minMax(of:)` builds a per-image scale for the rare display that wants one, by name.
public struct ColorScale: Sendable, Equatable {
    /// The value shown in the map's first colour; renderers leave values ≤ lo uncoloured.
    public let lo: Float
    /// The value shown in the map's last colour (and everything above it).
    public let hi: Float

    /// A fixed scale; throws `invalidSize` unless `lo < hi` and both are finite.
    public init(lo: Float, hi: Float) throws {
        guard lo.isFinite, hi.isFinite, lo < hi else {
            throw RasterError.invalidSize(reason: "colour scale needs finite lo < hi, got [\(lo), \(hi)]")
        }
        self.lo = lo
        self.hi = hi
    }

    private init(uncheckedLo lo: Float, hi: Float) {
        self.lo = lo
        self.hi = hi
    }

    /// The unit scale [0, 1] (anomaly probabilities).
    public static let unit = ColorScale(uncheckedLo: 0, hi: 1)

    /// The per-image range of `map`'s finite values — explicit opt-in, never a default.
    /// A constant map gets `[v, v + 1]` so that it renders as the map's first colour.
    public static func minMax(of map: FloatImage) -> ColorScale {
        var lo = Float.infinity
        var hi = -Float.infinity
        for v in map.values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        if !lo.isFinite { return .unit }
        if !(hi > lo) { hi = lo + 1 }
        return ColorScale(uncheckedLo: lo, hi: hi)
    }

    /// `(value − lo) / (hi − lo)`, not clamped (NaN stays NaN).
    @inline(__always)
    public func fraction(_ value: Float) -> Float {
        (value - lo) / (hi - lo)
    }

    /// The value at `fraction` of the way from `lo` to `hi`.
    public func value(atFraction fraction: Float) -> Float {
        lo + fraction * (hi - lo)
    }
}
