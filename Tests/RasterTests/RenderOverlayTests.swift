import XCTest

@testable import Raster

final class RenderOverlayTests: XCTestCase {
    private func randomSlice(width: Int, height: Int, seed: UInt64) throws -> ByteImage {
        var rng = RenderTestSupport.Random(state: seed)
        return try ByteImage(width: width, height: height, mode: .gray,
                             pixels: (0..<(width * height)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    /// Pixels whose value is ≤ lo (or NaN) keep the base exactly; the others follow the
    /// documented blend, recomputed here in Double.
    func testOverlayLeavesPixelsBelowLoUnchanged() throws {
        let (w, h) = (40, 30)
        let base = try randomSlice(width: w, height: h, seed: 7)
        var rng = RenderTestSupport.Random(state: 99)
        var values = (0..<(w * h)).map { _ in rng.unit() * 1.4 - 0.2 }  // spans below lo and above hi
        values[5] = .nan
        values[6] = 0.3  // exactly lo
        let map = try FloatImage(width: w, height: h, values: values)
        let scale = try ColorScale(lo: 0.3, hi: 0.9)
        let renderer = HeatmapRenderer(colormap: .jet, scale: scale, alpha: 0.7)
        let out = try renderer.overlay(map: map, on: base)
        XCTAssertEqual(out.mode, .rgb)
        var below = 0, above = 0
        for i in 0..<(w * h) {
            let (x, y) = (i % w, i / w)
            let b = base[x, y, 0]
            let v = values[i]
            if !(v > 0.3) {
                below += 1
                XCTAssertEqual([out[x, y, 0], out[x, y, 1], out[x, y, 2]], [b, b, b], "pixel \(x),\(y) value \(v) changed")
            } else {
                above += 1
                let t = (Double(v) - 0.3) / 0.6
                let a = 0.7 * min(t, 1)
                let c = Colormap.jet.color(at: Float(t))
                let expected = [c.red, c.green, c.blue].map { UInt8(((1 - a) * Double(b) + a * Double($0)).rounded()) }
                let got = [out[x, y, 0], out[x, y, 1], out[x, y, 2]]
                // Float32 blending in the renderer vs Double here: at most one level apart.
                XCTAssertTrue(zip(got, expected).allSatisfy { abs(Int($0) - Int($1)) <= 1 }, "pixel \(x),\(y): \(got) vs \(expected)")
            }
        }
        XCTAssertGreaterThan(below, 100)
        XCTAssertGreaterThan(above, 100)
    }

    /// Above hi the opacity is `alpha`: over black, the output is alpha × the map's last colour.
    func testOpacityAtHiIsAlpha() throws {
        let base = try ByteImage(width: 2, height: 1, mode: .rgb, filledWith: .black)
        let map = try FloatImage(width: 2, height: 1, values: [1, 5])
        let out = try HeatmapRenderer(colormap: .inferno, scale: .unit, alpha: 0.5).overlay(map: map, on: base)
        let top = Colormap.inferno.color(at: 1)
        for x in 0..<2 {
            XCTAssertEqual(out.color(x: x, y: 0), RGBColor(red: UInt8((Double(top.red) * 0.5).rounded()),
                                                           green: UInt8((Double(top.green) * 0.5).rounded()),
                                                           blue: UInt8((Double(top.blue) * 0.5).rounded())))
        }
    }

    func testOverlaySizeMismatchThrows() throws {
        let base = try ByteImage(width: 4, height: 4, mode: .gray, filledWith: .black)
        let map = try FloatImage(width: 3, height: 4, values: [Float](repeating: 1, count: 12))
        XCTAssertThrowsError(try HeatmapRenderer().overlay(map: map, on: base))
        var image = base
        XCTAssertThrowsError(try MaskOutline.draw(map, on: &image))
    }

    /// The outline of a filled digital disk is a closed ring one pixel thick.
    func testDiskOutlineIsClosedOnePixelRing() throws {
        let (w, h) = (48, 40)
        let (cx, cy, r) = (23.3, 19.6, 12.7)
        func inDisk(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < w && y < h && (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) <= r * r
        }
        let mask = try FloatImage(width: w, height: h, values: (0..<(w * h)).map { inDisk($0 % w, $0 / w) ? 1 : 0 })
        let ring = MaskOutline.contour(of: mask)
        func onRing(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < w && y < h && ring[x, y] > 0 }

        // Count: the disk minus its 4-neighbour erosion, from the disk equation directly.
        var expected = 0
        for y in 0..<h {
            for x in 0..<w where inDisk(x, y) && !(inDisk(x - 1, y) && inDisk(x + 1, y) && inDisk(x, y - 1) && inDisk(x, y + 1)) {
                expected += 1
                XCTAssertTrue(onRing(x, y), "boundary pixel \(x),\(y) missing")
            }
        }
        let count = ring.values.filter { $0 > 0 }.count
        XCTAssertEqual(count, expected)
        XCTAssertGreaterThan(count, Int(2 * Double.pi * r * 0.7))  // roughly the circumference

        // Ring pixels lie in the disk, and each touches the outside.
        for y in 0..<h {
            for x in 0..<w where onRing(x, y) {
                XCTAssertTrue(inDisk(x, y))
                XCTAssertFalse(inDisk(x - 1, y) && inDisk(x + 1, y) && inDisk(x, y - 1) && inDisk(x, y + 1))
                // Closed ring: every pixel has at least two 8-neighbours on the ring.
                var neighbours = 0
                for dy in -1...1 { for dx in -1...1 where (dx, dy) != (0, 0) && onRing(x + dx, y + dy) { neighbours += 1 } }
                XCTAssertGreaterThanOrEqual(neighbours, 2, "ring pixel \(x),\(y) is an end point")
            }
        }

        // One 8-connected component.
        XCTAssertEqual(components(w, h, of: onRing, diagonal: true), 1)
        // Closed: the pixels off the ring fall into exactly two 4-connected parts, inside and outside.
        XCTAssertEqual(components(w, h, of: { !onRing($0, $1) }, diagonal: false), 2)

        // Drawing paints exactly the ring.
        var image = try ByteImage(width: w, height: h, mode: .rgb, filledWith: .black)
        try MaskOutline.draw(mask, on: &image, color: .yellow)
        for y in 0..<h {
            for x in 0..<w {
                XCTAssertEqual(image.color(x: x, y: y), onRing(x, y) ? .yellow : .black)
            }
        }
    }

    /// The standard figure: slice + overlay + outline on the left, untouched where the map is
    /// below lo (outside the caption box), the caption box holding only text colours, and the
    /// legend appended at its full width.
    func testAnnotatedHeatmapFigure() throws {
        let (w, h) = (160, 120)
        let slice = try randomSlice(width: w, height: h, seed: 21)
        let map = try FloatImage(width: w, height: h, values: (0..<(w * h)).map { i in
            let (x, y) = (Float(i % w) - 100, Float(i / w) - 40)
            return 1 - (x * x + y * y) / 900
        })
        let mask = try FloatImage(width: w, height: h, values: map.values.map { $0 > 0.6 ? 1 : 0 })
        let scale = try ColorScale(lo: 0.3, hi: 1)
        let figure = AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: .inferno, scale: scale, alpha: 0.6),
                                      legendTitle: "score", captions: ["score 0.91", "threshold 0.50"])
        let out = try figure.render(map: map, on: slice, mask: mask)
        let legendWidth = try Legend(colormap: .inferno, scale: scale, title: "score").layout(height: h).width
        XCTAssertEqual(out.width, w + legendWidth)
        XCTAssertEqual(out.height, h)

        let font = BitmapFont.standard
        let text = figure.caption(width: w)
        XCTAssertTrue(text.hasPrefix("score 0.91\nthreshold 0.50\n"))
        XCTAssertEqual(text.split(separator: "\n").dropFirst(2).joined(separator: " "), AnnotatedHeatmap.notice)
        let box = PixelRect(x: 1, y: h - 2 - font.height(of: text), width: font.width(of: text) + 2, height: font.height(of: text) + 2)
        let ring = MaskOutline.contour(of: mask)
        var unchanged = 0
        for y in 0..<h {
            for x in 0..<w {
                let c = out.color(x: x, y: y)
                if box.contains(x: x, y: y) {
                    XCTAssertTrue(c == .white || c == .black, "caption box pixel \(x),\(y) is \(c)")
                } else if ring[x, y] > 0 {
                    XCTAssertEqual(c, .cyan, "outline pixel \(x),\(y)")
                } else if !(map[x, y] > 0.3) {
                    XCTAssertEqual(c, RGBColor(gray: slice[x, y, 0]), "pixel \(x),\(y) below lo changed")
                    unchanged += 1
                }
            }
        }
        XCTAssertGreaterThan(unchanged, w * h / 2)
        XCTAssertThrowsError(try figure.render(map: map, on: slice, mask: try FloatImage(width: 2, height: 2, values: [0, 0, 0, 0])))
    }

    /// Connected components of the pixels where `member` holds (flood fill).
    private func components(_ w: Int, _ h: Int, of member: (Int, Int) -> Bool, diagonal: Bool) -> Int {
        var seen = [Bool](repeating: false, count: w * h)
        var count = 0
        let steps = diagonal
            ? [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
            : [(0, -1), (-1, 0), (1, 0), (0, 1)]
        for start in 0..<(w * h) where !seen[start] && member(start % w, start / w) {
            count += 1
            var stack = [start]
            seen[start] = true
            while let p = stack.popLast() {
                for (dx, dy) in steps {
                    let (x, y) = (p % w + dx, p / w + dy)
                    guard x >= 0, y >= 0, x < w, y < h, !seen[y * w + x], member(x, y) else { continue }
                    seen[y * w + x] = true
                    stack.append(y * w + x)
                }
            }
        }
        return count
    }
}
