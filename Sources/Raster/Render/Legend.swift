/// A vertical colour bar with tick labels and a title, showing the fixed scale of a heat map.
///
/// The bar runs from `scale.hi` (top row, the map's last colour) to `scale.lo` (bottom row, its
/// first colour): bar row r of h shows the colour of fraction (h − 1 − r) / (h − 1). Ticks sit at
/// lo, the midpoint and hi, labelled with `decimals` decimals and the `unit`.
/// Use `render(height:)` for a panel, `appended(to:)` to add it as a side panel to an image, or
/// `draw(on:corner:)` to place it over a corner of the image.
public struct Legend: Sendable {
    /// Where `draw(on:corner:)` puts the legend.
    public enum Corner: Sendable {
        case topLeft, topRight, bottomLeft, bottomRight
    }

    /// Positions within a rendered legend panel.
    public struct Layout: Sendable, Equatable {
        /// Panel width in pixels.
        public let width: Int
        /// Panel height in pixels.
        public let height: Int
        /// The coloured bar (its frame is drawn just outside).
        public let bar: PixelRect
        /// Rows of the ticks at lo, mid and hi.
        public let tickRows: [Int]
    }

    /// The map the bar shows.
    public var colormap: Colormap
    /// The fixed scale the ticks label.
    public var scale: ColorScale
    /// Text above the bar (may be empty).
    public var title: String
    /// Appended to each tick label after a space, e.g. "HU" (may be empty).
    public var unit: String
    /// Decimals of the tick labels.
    public var decimals: Int
    /// Text size multiplier; margins grow with it.
    public var fontScale: Int
    /// Width of the coloured bar in pixels.
    public var barWidth: Int
    /// Panel colour.
    public var background: RGBColor
    /// Colour of text, ticks and the bar frame.
    public var foreground: RGBColor

    /// A legend recipe; `fontScale` and `barWidth` are at least 1.
    public init(colormap: Colormap, scale: ColorScale, title: String = "", unit: String = "", decimals: Int = 2,
                fontScale: Int = 1, barWidth: Int = 12, background: RGBColor = .black, foreground: RGBColor = .white) {
        self.colormap = colormap
        self.scale = scale
        self.title = title
        self.unit = unit
        self.decimals = decimals
        self.fontScale = max(1, fontScale)
        self.barWidth = max(1, barWidth)
        self.background = background
        self.foreground = foreground
    }

    /// Fractions of the scale that get ticks: lo, mid, hi.
    public static let tickFractions: [Float] = [0, 0.5, 1]

    /// The label of the tick at `fraction` of the scale, e.g. "0.50" or "12.5 HU".
    public func label(atFraction fraction: Float) -> String {
        let text = NumberText.fixed(Double(scale.value(atFraction: fraction)), decimals: decimals)
        return unit.isEmpty ? text : text + " " + unit
    }

    /// The panel's geometry at `height`; throws `invalidSize` when the bar would be shorter than
    /// 8 pixels.
    public func layout(height: Int) throws -> Layout {
        let font = BitmapFont.standard
        let s = fontScale
        let pad = 4 * s
        let capHeight = 7 * s  // ink height of capitals and digits
        let titleBand = title.isEmpty ? 0 : font.height(of: title, scale: s) + pad
        let barY = pad + titleBand + capHeight / 2
        let barHeight = height - pad - (capHeight - capHeight / 2) - barY
        guard barHeight >= 8 else {
            throw RasterError.invalidSize(reason: "legend height \(height) leaves no room for the bar")
        }
        let barX = pad + 1  // room for the frame
        let labelX = barX + barWidth + 1 + 3 * s + 2 * s
        let labelWidth = Legend.tickFractions.map { font.width(of: label(atFraction: $0), scale: s) }.max() ?? 0
        let width = max(labelX + labelWidth + pad, pad + font.width(of: title, scale: s) + pad)
        let ticks = Legend.tickFractions.map { barY + Int(((1 - $0) * Float(barHeight - 1)).rounded()) }
        return Layout(width: width, height: height,
                      bar: PixelRect(x: barX, y: barY, width: barWidth, height: barHeight), tickRows: ticks)
    }

    /// The legend as an RGB panel `height` pixels tall (its width follows from the labels).
    public func render(height: Int) throws -> ByteImage {
        let layout = try self.layout(height: height)
        let font = BitmapFont.standard
        let s = fontScale
        var panel = try ByteImage(width: layout.width, height: height, mode: .rgb, filledWith: background)
        if !title.isEmpty {
            font.draw(title, on: &panel, x: 4 * s, y: 4 * s, scale: s, color: foreground)
        }
        let bar = layout.bar
        for r in 0..<bar.height {
            let t = Float(bar.height - 1 - r) / Float(bar.height - 1)
            panel.fillRect(x: bar.x, y: bar.y + r, width: bar.width, height: 1, color: colormap.color(at: t))
        }
        panel.strokeRect(x: bar.x - 1, y: bar.y - 1, width: bar.width + 2, height: bar.height + 2, color: foreground)
        for (fraction, row) in zip(Legend.tickFractions, layout.tickRows) {
            let tickX = bar.x + bar.width + 1
            panel.fillRect(x: tickX, y: row, width: 3 * s, height: max(1, s / 2), color: foreground)
            font.draw(label(atFraction: fraction), on: &panel, x: tickX + 5 * s, y: row - (7 * s) / 2,
                      scale: s, color: foreground)
        }
        return panel
    }

    /// `image` (as RGB) with the legend appended on its right, as tall as the image.
    public func appended(to image: ByteImage) throws -> ByteImage {
        let panel = try render(height: image.height)
        var out = try ByteImage(width: image.width + panel.width, height: image.height, mode: .rgb, filledWith: background)
        out.paste(image.converted(to: .rgb), x: 0, y: 0)
        out.paste(panel, x: image.width, y: 0)
        return out
    }

    /// Draws the legend over `corner` of `image`, `height` pixels tall (default: half the image,
    /// at least 64 and at most the image), inset by `margin`.
    public func draw(on image: inout ByteImage, corner: Corner = .topRight, height: Int? = nil, margin: Int = 2) throws {
        let h = min(image.height, height ?? max(64, image.height / 2))
        let panel = try render(height: h)
        let x: Int, y: Int
        switch corner {
        case .topLeft: (x, y) = (margin, margin)
        case .topRight: (x, y) = (image.width - panel.width - margin, margin)
        case .bottomLeft: (x, y) = (margin, image.height - h - margin)
        case .bottomRight: (x, y) = (image.width - panel.width - margin, image.height - h - margin)
        }
        image.paste(panel, x: x, y: y)
    }
}
