/// The standard annotated heat-map figure written as Secondary Capture and PNG: the map blended
/// over the slice on a fixed scale, the optional mask outline, burned-in caption lines with the
/// "not for clinical use" notice, and the colour legend appended on the right so the scale is
/// always visible.
///
/// Text goes in the bottom-left corner on a black box (wrapped to the slice width), captions
/// first and the notice last; the legend panel is as tall as the slice.
public struct AnnotatedHeatmap: Sendable {
    /// The notice burned into every figure.
    public static let notice = "AI generated \u{2014} not for clinical use"

    /// The colour map, fixed scale and opacity of the overlay (the legend shows the same map and scale).
    public var renderer: HeatmapRenderer
    /// The legend's title, e.g. "anomaly".
    public var legendTitle: String
    /// Decimals of the legend's tick labels.
    public var decimals: Int
    /// Lines such as "score 0.73" and "threshold 0.50", drawn above the notice.
    public var captions: [String]
    /// Colour of the mask outline.
    public var outlineColor: RGBColor
    /// Text size multiplier; nil picks 1 below 400 pixels (shorter side) and grows with the slice.
    public var fontScale: Int?

    /// A figure recipe; nothing is drawn until `render`.
    public init(renderer: HeatmapRenderer, legendTitle: String = "anomaly", decimals: Int = 2, captions: [String] = [],
                outlineColor: RGBColor = .cyan, fontScale: Int? = nil) {
        self.renderer = renderer
        self.legendTitle = legendTitle
        self.decimals = decimals
        self.captions = captions
        self.outlineColor = outlineColor
        self.fontScale = fontScale
    }

    /// The font scale used for a slice of this size.
    public func effectiveFontScale(width: Int, height: Int) -> Int {
        fontScale.map { max(1, $0) } ?? max(1, min(width, height) / 400)
    }

    /// The text block burned into a slice `width` pixels wide (captions, then the notice, wrapped).
    public func caption(width: Int) -> String {
        let s = effectiveFontScale(width: width, height: width)
        let font = BitmapFont.standard
        return (captions + [AnnotatedHeatmap.notice]).map { font.wrapped($0, maxWidth: width - 4 * s, scale: s) }
            .joined(separator: "\n")
    }

    /// The figure: RGB, `slice.width` + the legend's width wide, `slice.height` tall. Throws
    /// `invalidSize` when the map or mask does not match the slice, or the slice is too small
    /// for the legend.
    public func render(map: FloatImage, on slice: ByteImage, mask: FloatImage? = nil) throws -> ByteImage {
        var image = try renderer.overlay(map: map, on: slice)
        if let mask { try MaskOutline.draw(mask, on: &image, color: outlineColor) }
        let s = effectiveFontScale(width: slice.width, height: slice.height)
        let font = BitmapFont.standard
        let text = caption(width: slice.width)
        font.draw(text, on: &image, x: 2 * s, y: slice.height - s - font.height(of: text, scale: s), scale: s,
                  color: .white, background: .black)
        let legend = Legend(colormap: renderer.colormap, scale: renderer.scale, title: legendTitle, decimals: decimals,
                            fontScale: s)
        return try legend.appended(to: image)
    }
}
