/// A line plot rendered to an RGB image: several series, axes with "nice" numeric ticks, light
/// grid lines, a title, axis labels, a legend box and, for ROC curves, the chance diagonal.
///
/// Data coordinates map to pixels linearly: x from `xRange` onto the plot area's columns
/// (lower bound → first column, upper → last), y from `yRange` onto its rows (upper → top row).
/// Ranges not given are taken from the finite data and widened to whole tick steps.
public struct LinePlot: Sendable {
    /// One curve.
    public struct Series: Sendable {
        /// Shown in the legend box.
        public var name: String
        /// Abscissae, one per point.
        public var x: [Double]
        /// Ordinates, one per point.
        public var y: [Double]
        /// Default: the next colour of `RGBColor.seriesPalette`.
        public var color: RGBColor?
        /// Draw the curve dashed (e.g. a baseline method).
        public var dashed: Bool

        /// A curve through (x[i], y[i]); non-finite points break the line.
        public init(name: String, x: [Double], y: [Double], color: RGBColor? = nil, dashed: Bool = false) {
            self.name = name
            self.x = x
            self.y = y
            self.color = color
            self.dashed = dashed
        }

        /// A curve over 1, 2, 3, … (e.g. one value per epoch).
        public init(name: String, y: [Double], color: RGBColor? = nil, dashed: Bool = false) {
            self.init(name: name, x: (0..<y.count).map { Double($0 + 1) }, y: y, color: color, dashed: dashed)
        }
    }

    /// Where the legend box goes inside the plot area.
    public enum LegendPlacement: Sendable {
        case topRight, topLeft, bottomRight, bottomLeft, none
    }

    /// Positions within a rendered plot.
    public struct Layout: Sendable, Equatable {
        /// The plot area (inside the axes' frame).
        public let plot: PixelRect
        /// The x range spanned by the plot area.
        public let xRange: ClosedRange<Double>
        /// The y range spanned by the plot area.
        public let yRange: ClosedRange<Double>
        /// Values with a tick and grid line on the x axis.
        public let xTicks: [Double]
        /// Values with a tick and grid line on the y axis.
        public let yTicks: [Double]
        /// Decimals of the x tick labels.
        public let xDecimals: Int
        /// Decimals of the y tick labels.
        public let yDecimals: Int

        /// The pixel position (column, row, fractional) of data point (x, y).
        public func pixel(x: Double, y: Double) -> (x: Double, y: Double) {
            let fx = (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
            let fy = (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
            return (Double(plot.x) + fx * Double(plot.width - 1), Double(plot.y) + (1 - fy) * Double(plot.height - 1))
        }
    }

    /// Centred above the plot (may be empty).
    public var title: String
    /// Centred below the x tick labels (may be empty).
    public var xLabel: String
    /// Written horizontally above the y axis (may be empty).
    public var yLabel: String
    /// The curves, drawn in order.
    public var series: [Series]
    /// Fixed x range; nil takes it from the data.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range; nil takes it from the data.
    public var yRange: ClosedRange<Double>?
    /// Draw y = x dashed in grey (the chance line of a ROC plot).
    public var showsDiagonal: Bool
    /// Corner of the legend box, or `.none`.
    public var legend: LegendPlacement
    /// Curve thickness in pixels at font scale 1 (multiplied by `fontScale`).
    public var lineWidth: Int
    /// Text size multiplier; margins, ticks and line widths grow with it.
    public var fontScale: Int

    /// A plot recipe; `lineWidth` and `fontScale` are at least 1.
    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, showsDiagonal: Bool = false,
                legend: LegendPlacement = .topRight, lineWidth: Int = 2, fontScale: Int = 1) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.showsDiagonal = showsDiagonal
        self.legend = legend
        self.lineWidth = max(1, lineWidth)
        self.fontScale = max(1, fontScale)
    }

    /// ROC curves (x = false positive rate, y = true positive rate) on [0, 1]² with the diagonal.
    public static func roc(title: String = "ROC", curves: [Series], fontScale: Int = 1) -> LinePlot {
        LinePlot(title: title, xLabel: "False positive rate", yLabel: "True positive rate", series: curves,
                 xRange: 0...1, yRange: 0...1, showsDiagonal: true, legend: .bottomRight, fontScale: fontScale)
    }

    /// Precision–recall curves (x = recall, y = precision) on [0, 1]².
    public static func precisionRecall(title: String = "Precision-recall", curves: [Series], fontScale: Int = 1) -> LinePlot {
        LinePlot(title: title, xLabel: "Recall", yLabel: "Precision", series: curves,
                 xRange: 0...1, yRange: 0...1, legend: .bottomLeft, fontScale: fontScale)
    }

    /// Per-epoch training losses (e.g. image loss and segmentation loss), epochs from 1.
    public static func trainingLoss(title: String = "Training loss", series: [Series], fontScale: Int = 1) -> LinePlot {
        LinePlot(title: title, xLabel: "Epoch", yLabel: "Loss", series: series, legend: .topRight, fontScale: fontScale)
    }

    /// The range of the finite values, widened to whole steps of its ticks.
    static func autoRange(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return 0...1 }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let pad = max(0.5, abs(lo) * 0.1)
            lo -= pad
            hi += pad
        }
        let step = NumberText.niceStep(span: hi - lo, maxCount: 6)
        return ((lo / step).rounded(.down) * step)...((hi / step).rounded(.up) * step)
    }

    /// The plot's geometry at the given size; throws `invalidSize` when the plot area would be
    /// smaller than 16×16 or a series has different numbers of x and y values.
    public func layout(width: Int, height: Int) throws -> Layout {
        for s in series where s.x.count != s.y.count {
            throw RasterError.invalidPixels(reason: "series \"\(s.name)\" has \(s.x.count) x values and \(s.y.count) y values")
        }
        let font = BitmapFont.standard
        let s = fontScale
        let pad = 6 * s
        let lineH = font.lineHeight * s
        let xr = xRange ?? LinePlot.autoRange(series.flatMap(\.x))
        let yr = yRange ?? LinePlot.autoRange(series.flatMap(\.y))
        guard xr.upperBound > xr.lowerBound, yr.upperBound > yr.lowerBound else {
            throw RasterError.invalidSize(reason: "plot ranges must not be empty")
        }
        let xt = NumberText.ticks(lo: xr.lowerBound, hi: xr.upperBound, maxCount: max(2, min(11, width / (45 * s))))
        let yt = NumberText.ticks(lo: yr.lowerBound, hi: yr.upperBound, maxCount: max(2, min(11, height / (40 * s))))
        let yLabelWidth = yt.values.map { font.width(of: NumberText.fixed($0, decimals: yt.decimals), scale: s) }.max() ?? 0
        let lastXLabel = font.width(of: NumberText.fixed(xt.values.last ?? 0, decimals: xt.decimals), scale: s)
        let top = pad + (title.isEmpty ? 0 : lineH + pad) + (yLabel.isEmpty ? 0 : lineH + s) + 4 * s
        let left = pad + max(yLabelWidth + 6 * s, font.width(of: yLabel, scale: s) / 4)
        let bottom = 4 * s + 2 * s + lineH + (xLabel.isEmpty ? 0 : pad / 2 + lineH) + pad
        let right = pad + lastXLabel / 2
        let plot = PixelRect(x: left, y: top, width: width - left - right, height: height - top - bottom)
        guard plot.width >= 16, plot.height >= 16 else {
            throw RasterError.invalidSize(reason: "plot of \(width)×\(height) leaves no room for the axes")
        }
        return Layout(plot: plot, xRange: xr, yRange: yr, xTicks: xt.values, yTicks: yt.values,
                      xDecimals: xt.decimals, yDecimals: yt.decimals)
    }

    /// The plot as a `width`×`height` RGB image on white.
    public func render(width: Int, height: Int) throws -> ByteImage {
        let layout = try self.layout(width: width, height: height)
        let font = BitmapFont.standard
        let s = fontScale
        let pad = 6 * s
        let plot = layout.plot
        let axis = RGBColor(gray: 40)
        var image = try ByteImage(width: width, height: height, mode: .rgb, filledWith: .white)

        // Grid, frame, ticks and their labels.
        for v in layout.xTicks {
            let px = Int(layout.pixel(x: v, y: layout.yRange.lowerBound).x.rounded())
            image.fillRect(x: px, y: plot.y, width: 1, height: plot.height, color: RGBColor(gray: 228))
            image.fillRect(x: px, y: plot.y + plot.height, width: 1, height: 4 * s, color: axis)
            let text = NumberText.fixed(v, decimals: layout.xDecimals)
            font.draw(text, on: &image, x: px - font.width(of: text, scale: s) / 2, y: plot.y + plot.height + 6 * s,
                      scale: s, color: axis)
        }
        for v in layout.yTicks {
            let py = Int(layout.pixel(x: layout.xRange.lowerBound, y: v).y.rounded())
            image.fillRect(x: plot.x, y: py, width: plot.width, height: 1, color: RGBColor(gray: 228))
            image.fillRect(x: plot.x - 4 * s - 1, y: py, width: 4 * s, height: 1, color: axis)
            let text = NumberText.fixed(v, decimals: layout.yDecimals)
            font.draw(text, on: &image, x: plot.x - 6 * s - 1 - font.width(of: text, scale: s), y: py - (7 * s) / 2,
                      scale: s, color: axis)
        }
        image.strokeRect(x: plot.x - 1, y: plot.y - 1, width: plot.width + 2, height: plot.height + 2, color: axis)

        // Title, then the axis labels: y above its axis (text is not rotated), x centred below.
        if !title.isEmpty {
            font.draw(title, on: &image, x: (width - font.width(of: title, scale: s)) / 2, y: pad, scale: s, color: .black)
        }
        if !yLabel.isEmpty {
            font.draw(yLabel, on: &image, x: max(pad / 2, plot.x - font.width(of: yLabel, scale: s) / 4),
                      y: plot.y - 4 * s - font.lineHeight * s, scale: s, color: axis)
        }
        if !xLabel.isEmpty {
            font.draw(xLabel, on: &image, x: plot.x + (plot.width - font.width(of: xLabel, scale: s)) / 2,
                      y: plot.y + plot.height + 6 * s + font.lineHeight * s + pad / 2, scale: s, color: axis)
        }

        if showsDiagonal {
            let a = max(layout.xRange.lowerBound, layout.yRange.lowerBound)
            let b = min(layout.xRange.upperBound, layout.yRange.upperBound)
            if b > a {
                let p0 = layout.pixel(x: a, y: a), p1 = layout.pixel(x: b, y: b)
                image.drawLine(x0: Int(p0.x.rounded()), y0: Int(p0.y.rounded()), x1: Int(p1.x.rounded()),
                               y1: Int(p1.y.rounded()), color: RGBColor(gray: 140), dash: 6 * s, clip: plot)
            }
        }

        // Curves, clipped to the plot area.
        let colors = series.enumerated().map { $1.color ?? RGBColor.seriesPalette[$0 % RGBColor.seriesPalette.count] }
        for (k, curve) in series.enumerated() {
            var previous: (x: Double, y: Double)?
            var drawnSteps = 0
            for (x, y) in zip(curve.x, curve.y) {
                guard x.isFinite, y.isFinite else {
                    previous = nil
                    continue
                }
                // Far-off points are clamped so that the pixel arithmetic stays finite and small.
                let p = layout.pixel(x: x, y: y)
                let q = (x: max(-1e5, min(1e5, p.x)), y: max(-1e5, min(1e5, p.y)))
                stroke(from: previous ?? q, to: q, on: &image, color: colors[k], dash: curve.dashed ? 5 * s : 0,
                       steps: &drawnSteps, clip: plot)
                previous = q
            }
        }

        if legend != .none && !series.isEmpty {
            drawLegend(on: &image, plot: plot, colors: colors)
        }
        return image
    }

    /// Draws a segment between fractional pixel positions. Along its major axis every whole
    /// column (or row) gets the `lineWidth` pixels nearest to the exact line — rows
    /// round(y − (w − 1)/2) … + w − 1, w = lineWidth · fontScale — so each pixel lies within w/2 pixels of the true curve
    /// across the major axis (half a pixel for a 1-pixel line), without the extra error that
    /// rounding the end points first would add. `steps` carries the dash phase across segments.
    private func stroke(from a: (x: Double, y: Double), to b: (x: Double, y: Double), on image: inout ByteImage,
                        color: RGBColor, dash: Int, steps: inout Int, clip: PixelRect) {
        let horizontal = abs(b.x - a.x) >= abs(b.y - a.y)
        // Major-axis coordinate u, minor-axis v.
        let (u0, v0, u1, v1) = horizontal ? (a.x, a.y, b.x, b.y) : (a.y, a.x, b.y, b.x)
        let lo = min(u0, u1), hi = max(u0, u1)
        var first = Int(lo.rounded(.up)), last = Int(hi.rounded(.down))
        if first > last {  // shorter than a pixel: one stamp at the rounded end point
            first = Int(u1.rounded())
            last = first
        }
        let w = lineWidth * fontScale
        for u in first...last {
            defer { steps += 1 }
            if dash > 0 && (steps / dash) % 2 == 1 { continue }
            let v = hi > lo ? v0 + (Double(u) - u0) / (u1 - u0) * (v1 - v0) : v1
            let start = Int((v - Double(w - 1) / 2).rounded())
            for m in start..<(start + w) {
                let (px, py) = horizontal ? (u, m) : (m, u)
                if clip.contains(x: px, y: py) { image.setPixel(x: px, y: py, color: color) }
            }
        }
    }

    private func drawLegend(on image: inout ByteImage, plot: PixelRect, colors: [RGBColor]) {
        let font = BitmapFont.standard
        let s = fontScale
        let swatch = 14 * s
        let rowH = font.lineHeight * s + 2 * s
        let textW = series.map { font.width(of: $0.name, scale: s) }.max() ?? 0
        let boxW = 4 * s + swatch + 4 * s + textW + 4 * s
        let boxH = 3 * s + rowH * series.count + s
        let inset = 6 * s
        let x: Int, y: Int
        switch legend {
        case .topLeft: (x, y) = (plot.x + inset, plot.y + inset)
        case .bottomLeft: (x, y) = (plot.x + inset, plot.y + plot.height - boxH - inset)
        case .bottomRight: (x, y) = (plot.x + plot.width - boxW - inset, plot.y + plot.height - boxH - inset)
        case .topRight, .none: (x, y) = (plot.x + plot.width - boxW - inset, plot.y + inset)
        }
        image.fillRect(x: x, y: y, width: boxW, height: boxH, color: .white)
        image.strokeRect(x: x, y: y, width: boxW, height: boxH, color: RGBColor(gray: 160))
        for (k, curve) in series.enumerated() {
            let rowY = y + 3 * s + k * rowH
            let midY = rowY + (7 * s) / 2
            image.drawLine(x0: x + 4 * s, y0: midY, x1: x + 4 * s + swatch - 1, y1: midY, color: colors[k],
                           lineWidth: lineWidth * s, dash: curve.dashed ? 3 * s : 0)
            font.draw(curve.name, on: &image, x: x + 8 * s + swatch, y: rowY, scale: s, color: .black)
        }
    }
}
