import Foundation
import XCTest

@testable import Raster

final class RenderColormapTests: XCTestCase {
    private func entries(_ map: Colormap) -> [[Int]] {
        (0..<256).map { i in [Int(map.table[3 * i]), Int(map.table[3 * i + 1]), Int(map.table[3 * i + 2])] }
    }

    /// jet and bone are computed here from their segment definitions; every entry must equal
    /// matplotlib's `cmap(x, bytes=True)` (exact: both truncate the same float64 values).
    func testTablesEqualMatplotlib() throws {
        let fixture = try ColormapFixture.load()
        for map in [Colormap.jet, .inferno, .bone, .gray] {
            XCTAssertEqual(map.table.count, 768, map.name)
            let expected = try XCTUnwrap(fixture.maps[map.name], "\(map.name) missing from the fixture")
            let got = entries(map)
            let differing = (0..<256).filter { got[$0] != expected.lut[$0] }
            XCTAssertEqual(differing, [], "\(map.name): entries differ from matplotlib \(fixture.matplotlib), first \(differing.first.map { "\($0): \(got[$0]) vs \(expected.lut[$0])" } ?? "")")
        }
    }

    /// Looking up values (under, exact ends, interior, over) picks the entry matplotlib picks.
    func testLookupMatchesMatplotlibIndexing() throws {
        let fixture = try ColormapFixture.load()
        for map in [Colormap.jet, .inferno, .bone, .gray] {
            let expected = try XCTUnwrap(fixture.maps[map.name])
            for (v, rgb) in zip(fixture.values, expected.samples) {
                let c = map.color(at: Float(v))
                XCTAssertEqual([Int(c.red), Int(c.green), Int(c.blue)], rgb, "\(map.name) at \(v)")
            }
        }
    }

    func testEndpoints() throws {
        let fixture = try ColormapFixture.load()
        for map in [Colormap.jet, .inferno, .bone, .gray] {
            let lut = try XCTUnwrap(fixture.maps[map.name]).lut
            for (t, entry) in [(Float(0), lut[0]), (1, lut[255]), (-3, lut[0]), (7, lut[255]), (.nan, lut[0])] {
                let c = map.color(at: t)
                XCTAssertEqual([Int(c.red), Int(c.green), Int(c.blue)], entry, "\(map.name) at \(t)")
            }
        }
        // Independent of the fixture: jet starts dark blue and ends dark red; inferno starts near
        // black and ends near white-yellow.
        let jet0 = Colormap.jet.color(at: 0), jet1 = Colormap.jet.color(at: 1)
        XCTAssertTrue(jet0.blue > 100 && jet0.red == 0 && jet0.green == 0, "\(jet0)")
        XCTAssertTrue(jet1.red > 100 && jet1.green == 0 && jet1.blue == 0, "\(jet1)")
        XCTAssertLessThan(RenderTestSupport.relativeLuminance(Colormap.inferno.color(at: 0)), 0.01)
        XCTAssertGreaterThan(RenderTestSupport.relativeLuminance(Colormap.inferno.color(at: 1)), 0.8)
    }

    /// The perceptual map's luminance rises strictly along the map (and never falls for bone and
    /// gray); jet, for contrast, is not monotonic — the check can tell the difference.
    func testPerceptualMapLuminanceIsMonotonic() {
        func luminances(_ map: Colormap) -> [Double] {
            (0..<256).map { RenderTestSupport.relativeLuminance(map.color(at: (Float($0) + 0.5) / 256)) }
        }
        let inferno = luminances(.inferno)
        for i in 1..<256 {
            XCTAssertGreaterThan(inferno[i], inferno[i - 1], "inferno luminance falls at entry \(i)")
        }
        for map in [Colormap.bone, .gray] {
            let l = luminances(map)
            XCTAssertTrue((1..<256).allSatisfy { l[$0] >= l[$0 - 1] }, map.name)
        }
        let jet = luminances(.jet)
        XCTAssertFalse((1..<256).allSatisfy { jet[$0] >= jet[$0 - 1] }, "jet should not be monotonic")
    }

    /// On a fixed scale one value has one colour whatever else is in the image; a per-image
    /// min–max scale (the explicit opt-in) would colour it differently.
    func testFixedScaleGivesSameColourInDifferentImages() throws {
        let scale = try ColorScale(lo: 0, hi: 1)
        let a = try FloatImage(width: 3, height: 1, values: [0.0, 0.4, 0.5])
        let b = try FloatImage(width: 3, height: 1, values: [0.3, 0.4, 0.95])
        for map in [Colormap.jet, .inferno] {
            let ra = map.apply(to: a, scale: scale)
            let rb = map.apply(to: b, scale: scale)
            XCTAssertEqual(ra.color(x: 1, y: 0), rb.color(x: 1, y: 0), map.name)
            XCTAssertEqual(ra.color(x: 1, y: 0), map.color(at: 0.4), map.name)
            let pa = map.apply(to: a, scale: .minMax(of: a))
            let pb = map.apply(to: b, scale: .minMax(of: b))
            XCTAssertNotEqual(pa.color(x: 1, y: 0), pb.color(x: 1, y: 0), "per-image scaling should differ (\(map.name))")
        }
    }

    func testTransparentBelowLo() throws {
        let scale = try ColorScale(lo: 0.2, hi: 0.8)
        let map = try FloatImage(width: 5, height: 1, values: [-1, 0.2, 0.2001, 0.9, .nan])
        let rgba = Colormap.inferno.apply(to: map, scale: scale, transparentBelowLo: true)
        XCTAssertEqual(rgba.mode, .rgba)
        XCTAssertEqual((0..<5).map { rgba[$0, 0, 3] }, [0, 0, 255, 255, 0])
        let opaque = Colormap.inferno.apply(to: map, scale: scale)
        XCTAssertTrue((0..<5).allSatisfy { opaque[$0, 0, 3] == 255 })
        XCTAssertEqual(opaque.color(x: 3, y: 0), Colormap.inferno.color(at: 1))
    }

    func testScaleValidation() throws {
        XCTAssertThrowsError(try ColorScale(lo: 1, hi: 1))
        XCTAssertThrowsError(try ColorScale(lo: 2, hi: 1))
        XCTAssertThrowsError(try ColorScale(lo: .nan, hi: 1))
        XCTAssertThrowsError(try Colormap(name: "short", table: [0, 0, 0]))
        let flat = try FloatImage(width: 2, height: 1, values: [3, 3])
        let s = ColorScale.minMax(of: flat)
        XCTAssertLessThan(s.lo, s.hi)
        XCTAssertEqual(Colormap.named("jet"), .jet)
        XCTAssertNil(Colormap.named("viridis"))
    }
}
