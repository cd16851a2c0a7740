import Foundation
import XCTest

@testable import Raster

final class RenderFigureTests: XCTestCase {
    /// The bar runs monotonically from hi's colour (top) to lo's colour (bottom): each bar row is
    /// an entry of the map, the entry index never rises going down, and the ends are the map's
    /// first and last entries.
    func testLegendBarIsMonotonicFromLoToHi() throws {
        let map = Colormap.inferno
        var indexOf: [RGBColor: Int] = [:]
        for i in 0..<256 { indexOf[map.color(at: (Float(i) + 0.5) / 256)] = i }
        XCTAssertEqual(indexOf.count, 256, "inferno entries must be distinct for this check")

        let legend = Legend(colormap: map, scale: try ColorScale(lo: -1, hi: 3), title: "Anomaly", unit: "", decimals: 1)
        for height in [100, 257, 600] {
            let panel = try legend.render(height: height)
            let layout = try legend.layout(height: height)
            XCTAssertEqual(panel.height, height)
            XCTAssertEqual(panel.width, layout.width)
            let bar = layout.bar
            var previous = 256
            var indices: [Int] = []
            for y in bar.y..<(bar.y + bar.height) {
                let c = panel.color(x: bar.x + bar.width / 2, y: y)
                let i = try XCTUnwrap(indexOf[c], "bar row \(y) is not a map colour: \(c)")
                XCTAssertLessThanOrEqual(i, previous, "bar rises at row \(y)")
                XCTAssertEqual(panel.color(x: bar.x, y: y), c, "bar row \(y) not uniform")
                XCTAssertEqual(panel.color(x: bar.x + bar.width - 1, y: y), c, "bar row \(y) not uniform")
                previous = i
                indices.append(i)
            }
            XCTAssertEqual(indices.first, 255)
            XCTAssertEqual(indices.last, 0)
            if bar.height >= 256 { XCTAssertEqual(Set(indices).count, 256, "every colour shown") }
        }
        XCTAssertEqual(legend.label(atFraction: 0), "-1.0")
        XCTAssertEqual(legend.label(atFraction: 0.5), "1.0")
        XCTAssertEqual(Legend(colormap: map, scale: .unit, unit: "p", decimals: 2).label(atFraction: 1), "1.00 p")
        XCTAssertThrowsError(try legend.render(height: 20))
    }

    func testLegendAppendedAndInCorner() throws {
        var rng = RenderTestSupport.Random(state: 5)
        let image = try ByteImage(width: 64, height: 120, mode: .gray,
                                  pixels: (0..<(64 * 120)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let legend = Legend(colormap: .jet, scale: .unit, title: "p")
        let panelWidth = try legend.layout(height: 120).width
        let out = try legend.appended(to: image)
        XCTAssertEqual(out.width, 64 + panelWidth)
        XCTAssertEqual(out.height, 120)
        for y in 0..<120 { for x in 0..<64 { XCTAssertEqual(out.color(x: x, y: y), RGBColor(gray: image[x, y, 0])) } }

        var corner = image.converted(to: .rgb)
        try legend.draw(on: &corner, corner: .bottomLeft, height: 70, margin: 3)
        let w = try legend.layout(height: 70).width
        let placed = PixelRect(x: 3, y: 120 - 70 - 3, width: w, height: 70)
        for y in 0..<120 {
            for x in 0..<64 where !placed.contains(x: x, y: y) {
                XCTAssertEqual(corner.color(x: x, y: y), RGBColor(gray: image[x, y, 0]), "\(x),\(y) outside the legend changed")
            }
        }
    }

    /// A plot of y = x on [0, 1]² puts every pixel of its colour within a pixel of the diagonal
    /// of the plot area, and covers every column.
    func testLinePlotOfIdentityLiesOnDiagonal() throws {
        let colour = RGBColor(red: 1, green: 2, blue: 250)  // used by nothing else in the plot
        let xs = (0...50).map { Double($0) / 50 }
        for lineWidth in [1, 2] {
            let plot = LinePlot(title: "y = x", xLabel: "x", yLabel: "y",
                                series: [.init(name: "identity", x: xs, y: xs, color: colour)],
                                xRange: 0...1, yRange: 0...1, legend: .none, lineWidth: lineWidth)
            let (w, h) = (320, 260)
            let image = try plot.render(width: w, height: h)
            XCTAssertEqual(image.width, w)
            XCTAssertEqual(image.height, h)
            let layout = try plot.layout(width: w, height: h)
            let p0 = layout.pixel(x: 0, y: 0), p1 = layout.pixel(x: 1, y: 1)
            let slope = (p1.y - p0.y) / (p1.x - p0.x)
            var columns = Set<Int>()
            var count = 0
            for y in 0..<h {
                for x in 0..<w where image.color(x: x, y: y) == colour {
                    count += 1
                    columns.insert(x)
                    let ideal = p0.y + (Double(x) - p0.x) * slope
                    // The plot is wider than tall, so the line is mostly horizontal: each column
                    // holds the lineWidth rows nearest the exact line, within lineWidth/2 of it
                    // (plus float slack).
                    XCTAssertLessThanOrEqual(abs(Double(y) - ideal), Double(lineWidth) / 2 + 1e-6,
                                             "pixel \(x),\(y) off the diagonal (ideal row \(ideal))")
                    let perpendicular = abs(Double(y) - ideal) / (1 + slope * slope).squareRoot()
                    XCTAssertLessThanOrEqual(perpendicular, 1.0, "pixel \(x),\(y) more than a pixel from the diagonal")
                }
            }
            XCTAssertEqual(columns, Set(layout.plot.x..<(layout.plot.x + layout.plot.width)), "columns not covered")
            XCTAssertLessThan(abs(slope), 1, "test assumes a mostly horizontal line")
            // Every column holds lineWidth pixels, but the bottom-left one loses those below the plot.
            XCTAssertGreaterThanOrEqual(count, layout.plot.width * lineWidth - lineWidth)
        }
    }

    func testRocPlotDrawsDiagonalAndRejectsBadSeries() throws {
        let plot = LinePlot.roc(curves: [.init(name: "model", x: [0, 0.1, 1], y: [0, 0.8, 1])])
        let image = try plot.render(width: 300, height: 300)
        let layout = try plot.layout(width: 300, height: 300)
        let p = layout.pixel(x: 0.3, y: 0.3)
        var grey = 0
        for dy in -1...1 { for dx in -1...1 where image.color(x: Int(p.x.rounded()) + dx, y: Int(p.y.rounded()) + dy) == RGBColor(gray: 140) { grey += 1 } }
        for t in stride(from: 0.05, through: 0.95, by: 0.01) {
            let q = layout.pixel(x: t, y: t)
            for dy in -1...1 { for dx in -1...1 where image.color(x: Int(q.x.rounded()) + dx, y: Int(q.y.rounded()) + dy) == RGBColor(gray: 140) { grey += 1 } }
        }
        XCTAssertGreaterThan(grey, 20, "chance diagonal missing")
        XCTAssertThrowsError(try LinePlot(series: [.init(name: "bad", x: [0, 1], y: [0])]).render(width: 200, height: 200))
        XCTAssertThrowsError(try plot.render(width: 40, height: 40))
    }

    /// Automatic ranges cover the data and end on tick steps.
    func testLossPlotRanges() throws {
        let plot = LinePlot.trainingLoss(series: [.init(name: "image", y: [0.9, 0.7, 0.55, 0.5]),
                                                  .init(name: "segmentation", y: [1.6, 1.2, 1.1, 1.05])])
        let layout = try plot.layout(width: 400, height: 300)
        XCTAssertLessThanOrEqual(layout.xRange.lowerBound, 1)
        XCTAssertGreaterThanOrEqual(layout.xRange.upperBound, 4)
        XCTAssertLessThanOrEqual(layout.yRange.lowerBound, 0.5)
        XCTAssertGreaterThanOrEqual(layout.yRange.upperBound, 1.6)
        XCTAssertEqual(layout.yTicks.first ?? .nan, layout.yRange.lowerBound, accuracy: 1e-9)
        XCTAssertEqual(layout.yTicks.last ?? .nan, layout.yRange.upperBound, accuracy: 1e-9)
    }

    /// The grid's size follows its documented formula; each image lands centred in its cell.
    func testPanelGridSizeAndPlacement() throws {
        let colours: [RGBColor] = [.red, .green, .yellow, .cyan, RGBColor(gray: 128), RGBColor(red: 10, green: 20, blue: 30)]
        let images = try colours.map { try ByteImage(width: 32, height: 32, mode: .rgb, filledWith: $0) }
        let wide = try ByteImage(width: 40, height: 20, mode: .gray, filledWith: .white)
        let grid = PanelGrid(title: "Brain MRI", columnTitles: ["image", "heat map (model A)", "ground truth"],
                             rows: [Array(images[0..<3]), [images[3], images[4], wide]],
                             cellWidth: 50, cellHeight: 40, spacing: 3, fontScale: 1)
        let out = try grid.render()
        let line = BitmapFont.standard.lineHeight
        XCTAssertEqual(out.width, 3 + 3 * (50 + 3))
        XCTAssertEqual(out.height, 3 + (line + 3) + (line + 3) + 2 * (40 + 3))
        let layout = try grid.layout()
        XCTAssertEqual(layout.width, out.width)
        for (r, row) in layout.cells.enumerated() {
            for (c, cell) in row.enumerated() {
                let centre = out.color(x: cell.x + cell.width / 2, y: cell.y + cell.height / 2)
                XCTAssertEqual(centre, r == 1 && c == 2 ? .white : colours[r * 3 + c], "cell \(r),\(c)")
            }
        }
        // The 2:1 image fills the cell's width and leaves background above and below.
        let cell = layout.cells[1][2]
        XCTAssertEqual(out.color(x: cell.x, y: cell.y + cell.height / 2), .white)
        XCTAssertEqual(out.color(x: cell.x + cell.width / 2, y: cell.y), .black)

        let withRowTitles = PanelGrid(columnTitles: ["a", "b"], rowTitles: ["case 1"], rows: [[images[0], images[1]]],
                                      cellWidth: 20, cellHeight: 20, spacing: 2)
        XCTAssertEqual(try withRowTitles.render().width, 2 + (BitmapFont.standard.width(of: "case 1") + 2) + 2 * (20 + 2))
        XCTAssertThrowsError(try PanelGrid(columnTitles: ["a"], rows: [[images[0], images[1]]]).render())
        XCTAssertThrowsError(try PanelGrid(columnTitles: [], rows: []).render())
    }

    /// Figures survive a PNG round trip (written to a temporary folder only).
    func testFiguresRoundTripThroughPNG() throws {
        let dir = try RenderTestSupport.temporaryDirectory()
        var rng = RenderTestSupport.Random(state: 11)
        let (w, h) = (96, 96)
        let slice = try ByteImage(width: w, height: h, mode: .gray, pixels: (0..<(w * h)).map { i in
            let (x, y) = (Double(i % w) - 48, Double(i / w) - 48)
            return UInt8(max(0, min(255, 160 - (x * x + y * y) / 20 + Double(rng.unit()) * 20)))
        })
        let map = try FloatImage(width: w, height: h, values: (0..<(w * h)).map { i in
            let (x, y) = (Float(i % w) - 60, Float(i / w) - 40)
            return exp(-(x * x + y * y) / 200)
        })
        let scale = try ColorScale(lo: 0.2, hi: 1)
        let mask = try FloatImage(width: w, height: h, values: map.values.map { $0 > 0.5 ? 1 : 0 })
        let figure = try AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: .inferno, scale: scale, alpha: 0.7),
                                          legendTitle: "score", captions: ["score 0.91"]).render(map: map, on: slice, mask: mask)
        let overlay = try HeatmapRenderer(colormap: .inferno, scale: scale, alpha: 0.7).overlay(map: map, on: slice)
        let plot = try LinePlot.roc(curves: [.init(name: "model", x: [0, 0.05, 0.2, 1], y: [0, 0.6, 0.9, 1])]).render(width: 320, height: 300)
        let loss = try LinePlot.trainingLoss(series: [
            .init(name: "image loss", y: [0.69, 0.52, 0.44, 0.40, 0.37, 0.35, 0.34, 0.335, 0.33, 0.326]),
            .init(name: "segmentation loss", y: [2.9, 2.1, 1.7, 1.52, 1.41, 1.35, 1.3, 1.27, 1.25, 1.24]),
        ]).render(width: 480, height: 320)
        let pr = try LinePlot.precisionRecall(curves: [
            .init(name: "MedVMAD", x: [0, 0.2, 0.5, 0.8, 1], y: [1, 0.95, 0.85, 0.7, 0.45]),
            .init(name: "MVFA", x: [0, 0.2, 0.5, 0.8, 1], y: [1, 0.9, 0.75, 0.55, 0.45], dashed: true),
        ], fontScale: 2).render(width: 640, height: 480)
        let heat = try HeatmapRenderer(colormap: .jet, scale: scale, alpha: 0.6).overlay(map: map, on: slice)
        let truth = Colormap.gray.apply(to: try FloatImage(width: w, height: h, values: map.values.map { $0 > 0.5 ? 1 : 0 }),
                                        scale: .unit)
        let grid = try PanelGrid(title: "Brain MRI, zero-shot", columnTitles: ["image", "MedVMAD", "MVFA", "ground truth"],
                                 rowTitles: ["00124_60", "00130_68"],
                                 rows: [[slice, heat, overlay, truth], [slice, overlay, heat, truth]],
                                 cellWidth: 128, cellHeight: 128).render()
        let legend = try Legend(colormap: .jet, scale: scale, title: "anomaly score", decimals: 2, fontScale: 2).render(height: 300)
        for (name, image) in [("overlay.png", figure), ("roc.png", plot), ("loss.png", loss), ("pr.png", pr),
                              ("grid.png", grid), ("legend.png", legend)] {
            let path = dir.appendingPathComponent(name).path
            try PNGFile.write(image, to: path)
            XCTAssertEqual(try PNGFile.read(path), image, name)
        }
    }
}
