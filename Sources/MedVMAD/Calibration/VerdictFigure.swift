import Raster

/// The figure of one slice with its verdict: the map on the model's one `HeatmapScale` over the
/// slice, the legend, and the score, threshold (with its source) and outcome burned in — the
/// RGB image behind both the PNG and the Secondary Capture outputs (MedIO's writer takes its
/// `pixels` as `DicomRGBImage(rows: height, columns: width, pixels:)`).
public struct VerdictFigure: Sendable {
    public var policy: DecisionPolicy
    public var colormap: Colormap
    public var alpha: Float
    /// Slices whose shorter side is below this are enlarged (bicubic) first so the burned-in text
    /// stays readable next to them; 0 keeps every slice at its own size.
    public var minimumSide: Int

    public init(policy: DecisionPolicy, colormap: Colormap = .inferno, alpha: Float = 0.6, minimumSide: Int = 0) {
        self.policy = policy
        self.colormap = colormap
        self.alpha = alpha
        self.minimumSide = minimumSide
    }

    /// The caption lines: outcome, score against threshold, threshold source, scale.
    public func captions(_ verdict: SliceVerdict) -> [String] {
        let t = policy.imageThreshold
        let outcome = verdict.abnormal ? "ANOMALY: score above threshold" : "no anomaly above threshold"
        return [
            outcome,
            "score \(DecisionThreshold.format(verdict.score)) / threshold \(DecisionThreshold.format(t.value))",
            "threshold: \(t.description)",
            "scale: \(policy.scale.description)",
        ]
    }

    /// Renders `slice` with `map` (any size; resized bilinearly to the slice as drawn).
    public func render(slice: ByteImage, map: FloatImage, verdict: SliceVerdict, mask: FloatImage? = nil) throws -> ByteImage {
        var slice = slice
        let side = min(slice.width, slice.height)
        if side > 0, side < minimumSide {
            let f = Double(minimumSide) / Double(side)
            slice = try slice.resized(width: Int((Double(slice.width) * f).rounded()), height: Int((Double(slice.height) * f).rounded()), filter: .bicubic)
        }
        var m = map
        if map.width != slice.width || map.height != slice.height {
            m = try map.resized(width: slice.width, height: slice.height, filter: .bilinear)
        }
        let figure = AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: colormap, scale: policy.scale.colorScale, alpha: alpha),
                                      legendTitle: "anomaly", decimals: 2, captions: captions(verdict))
        return try figure.render(map: m, on: slice, mask: mask)
    }

    /// Renders a model result for `slice` (the verdict is computed with the policy).
    public func render(slice: ByteImage, result: MedVMADInference.SliceResult) throws -> ByteImage {
        let map = try FloatImage(width: result.size, height: result.size, values: result.map)
        return try render(slice: slice, map: map, verdict: policy.verdict(result))
    }
}
