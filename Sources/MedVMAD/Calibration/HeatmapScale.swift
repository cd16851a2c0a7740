import Raster

/// The one colour scale every heat map of a model is drawn on, so that one map value has one
/// colour in every image and every run (never a per-image min–max).
///
/// Calibrated: `lo` = the median map value over normal pixels (no colour), `hi` = their 99.9th
/// percentile (full colour). If those coincide (a map that is constant on normals) `hi` becomes
/// the map's largest possible value. Uncalibrated: 0 … `mapMaximum`, stated as such.
public struct HeatmapScale: Sendable, Equatable {
    public let colorScale: ColorScale
    /// Where the range comes from, for legends and reports.
    public let description: String

    public init(colorScale: ColorScale, description: String) {
        self.colorScale = colorScale
        self.description = description
    }

    public var lo: Float { colorScale.lo }
    public var hi: Float { colorScale.hi }

    /// The scale of a calibration.
    public static func calibrated(_ c: ModelCalibration, mapMaximum: Float) throws -> HeatmapScale {
        let lo = c.heatmapScale.lo
        let f = DecisionThreshold.format
        guard c.heatmapScale.hi > lo else {
            let hi = max(mapMaximum, lo + 1)
            return HeatmapScale(colorScale: try ColorScale(lo: lo, hi: hi),
                                description: "normal median \(f(lo)) to map maximum \(f(hi)) (normal maps nearly constant; \(c.provenance.data))")
        }
        return HeatmapScale(colorScale: try ColorScale(lo: lo, hi: c.heatmapScale.hi),
                            description: "normal median \(f(lo)) to 99.9th percentile \(f(c.heatmapScale.hi)) (\(c.provenance.data))")
    }

    /// The uncalibrated scale 0 … mapMaximum.
    public static func uncalibrated(mapMaximum: Float) throws -> HeatmapScale {
        HeatmapScale(colorScale: try ColorScale(lo: 0, hi: mapMaximum),
                     description: "uncalibrated: full map range 0 to \(DecisionThreshold.format(mapMaximum))")
    }
}
