import FixtureSupport
import Foundation
import XCTest

@testable import Raster

final class ResizeTests: XCTestCase {
    /// Every 8-bit resize case must equal Pillow's output exactly: the integer arithmetic is the
    /// same, so there is no tolerance.
    func testResizeMatchesPillowExactly() throws {
        let (manifest, dir) = try RasterManifest.load()
        XCTAssertGreaterThan(manifest.resize.count, 50)
        var checked = 0
        for c in manifest.resize {
            let input = try PNGFile.read(dir.appendingPathComponent(c.input).path)
            let expected = try PNGFile.read(dir.appendingPathComponent(c.expected).path)
            let filter = try XCTUnwrap(ResampleFilter(rawValue: c.filter))
            XCTAssertEqual(input.mode.rawValue, c.mode, c.input)
            let out = try input.resized(width: c.width, height: c.height, filter: filter, box: RasterManifest.box(c.box))
            XCTAssertEqual(out.width, expected.width)
            XCTAssertEqual(out.height, expected.height)
            XCTAssertEqual(out.mode, expected.mode)
            let diffs = zip(out.pixels, expected.pixels).enumerated().filter { $0.element.0 != $0.element.1 }
            if let (i, (got, want)) = diffs.first {
                let pixel = i / out.channels
                XCTFail("\(c.input) \(c.box.map { "box \($0) " } ?? "")→ \(c.width)×\(c.height) \(c.filter): \(diffs.count) samples differ; first at x=\(pixel % out.width) y=\(pixel / out.width) channel \(i % out.channels): \(got) vs Pillow \(want)")
            }
            checked += 1
        }
        print("resize: \(checked) cases equal to Pillow \(manifest.pillow)")
    }

    /// Mode "F" resizes: the same double-precision sums as Pillow, so float32 results are identical.
    func testFloatResizeMatchesPillow() throws {
        let (manifest, dir) = try RasterManifest.load()
        XCTAssertFalse(manifest.resize_float.isEmpty)
        for c in manifest.resize_float {
            let input = try FloatImage(width: c.input_width, height: c.input_height,
                                       values: RasterManifest.floats(at: dir.appendingPathComponent(c.input)))
            let expected = try RasterManifest.floats(at: dir.appendingPathComponent(c.expected))
            let filter = try XCTUnwrap(ResampleFilter(rawValue: c.filter))
            let out = try input.resized(width: c.width, height: c.height, filter: filter, box: RasterManifest.box(c.box))
            XCTAssertEqual(out.values.count, expected.count)
            if let m = Compare.allClose(out.values, expected, shape: [c.height, c.width], atol: 0, rtol: 0) {
                XCTFail("map \(c.box.map { "box \($0) " } ?? "")→ \(c.width)×\(c.height) \(c.filter): \(m)")
            }
        }
    }

    func testSameSizeIsIdentityAndBadSizeThrows() throws {
        let image = try ByteImage(width: 3, height: 2, mode: .gray, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try image.resized(width: 3, height: 2), image)
        for (w, h, box) in [(0, 2, nil), (2, 2, ResampleBox(x0: -1, y0: 0, x1: 2, y1: 2)),
                            (2, 2, ResampleBox(x0: 0, y0: 0, x1: 4, y1: 2)), (2, 2, ResampleBox(x0: 1, y0: 0, x1: 1, y1: 2))] {
            XCTAssertThrowsError(try image.resized(width: w, height: h, box: box)) { error in
                guard case RasterError.invalidSize = error else { return XCTFail("unexpected \(error)") }
            }
        }
    }

    /// Coefficients of each output pixel sum to one (before fixed-point rounding).
    func testCoefficientsAreNormalised() {
        for filter in [ResampleFilter.bilinear, .bicubic] {
            for (inSize, outSize) in [(23, 7), (7, 23), (240, 56), (56, 336)] {
                let k = ResampleCoefficients(inSize: inSize, in0: 0, in1: Float(inSize), outSize: outSize, filter: filter)
                for i in 0..<outSize {
                    let sum = (0..<k.count[i]).reduce(0.0) { $0 + k.weights[i * k.kernelSize + $1] }
                    XCTAssertEqual(sum, 1, accuracy: 1e-12)
                }
            }
        }
    }
}
