import FixtureSupport
import Foundation
import XCTest

@testable import Raster

final class PNGFileTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("raster-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// Every colour type and bit depth decodes to what `Image.open(f).convert(mode)` gives in Pillow.
    func testDecodingMatchesPillow() throws {
        let (manifest, dir) = try RasterManifest.load()
        XCTAssertGreaterThanOrEqual(manifest.decode.count, 15)
        for c in manifest.decode {
            let image = try PNGFile.read(dir.appendingPathComponent(c.input).path)
            let expected = try PNGFile.read(dir.appendingPathComponent(c.expected).path)
            XCTAssertEqual(image.mode.rawValue, c.mode, "\(c.input) (Pillow mode \(c.pillow_mode))")
            XCTAssertEqual(image.width, expected.width)
            XCTAssertEqual(image.height, expected.height)
            let diffs = zip(image.pixels, expected.pixels).filter { $0 != $1 }.count
            XCTAssertEqual(diffs, 0, "\(c.input): \(diffs) samples differ from Pillow")
        }
    }

    /// `convert("L")` of colour images equals Pillow's, sample for sample.
    func testGrayConversionMatchesPillow() throws {
        let (manifest, dir) = try RasterManifest.load()
        for c in manifest.convert {
            let image = try PNGFile.read(dir.appendingPathComponent(c.input).path)
            let expected = try PNGFile.read(dir.appendingPathComponent(c.expected).path)
            XCTAssertEqual(image.converted(to: .gray), expected, c.input)
        }
    }

    func testConversionsBetweenModes() throws {
        let rgba = try ByteImage(width: 2, height: 1, mode: .rgba, pixels: [10, 20, 30, 0, 200, 100, 50, 255])
        XCTAssertEqual(rgba.converted(to: .rgb).pixels, [10, 20, 30, 200, 100, 50])
        let gray = try ByteImage(width: 2, height: 1, mode: .gray, pixels: [7, 250])
        XCTAssertEqual(gray.converted(to: .rgb).pixels, [7, 7, 7, 250, 250, 250])
        XCTAssertEqual(gray.converted(to: .rgba).pixels, [7, 7, 7, 255, 250, 250, 250, 255])
        // Grey replicated into RGB converts back to the same grey (the luma weights sum to 65536).
        for v in 0...255 {
            let u = UInt8(v)
            XCTAssertEqual(ByteImage.luma(red: u, green: u, blue: u), u)
        }
    }

    func testRoundTripAllModesAnd16BitGray() throws {
        for mode in ByteImage.Mode.allCases {
            let n = 5 * 3 * mode.channels
            let image = try ByteImage(width: 5, height: 3, mode: mode, pixels: (0..<n).map { UInt8(($0 * 37) % 256) })
            let path = temporaryPath("roundtrip-\(mode.rawValue).png")
            try PNGFile.write(image, to: path)
            XCTAssertEqual(try PNGFile.read(path), image)
        }
        let samples: [UInt16] = [0, 1, 255, 256, 4095, 65535]
        let path = temporaryPath("gray16.png")
        try PNGFile.writeGray16(samples, width: 3, height: 2, to: path)
        let back = try PNGFile.readGray16(path)
        XCTAssertEqual(back.samples, samples)
        XCTAssertEqual(back.width, 3)
        // As an 8-bit image the 16-bit grey clamps at 255, like Pillow's I;16 → L.
        XCTAssertEqual(try PNGFile.read(path).pixels, [0, 1, 255, 255, 255, 255])
    }

    func testBadFilesGiveTypedErrorsNamingTheFile() throws {
        let missing = temporaryPath("does-not-exist.png")
        XCTAssertThrowsError(try PNGFile.read(missing)) { error in
            XCTAssertEqual(error as? RasterError, .unreadable(path: missing, reason: "No such file or directory"))
            XCTAssertTrue("\(error)".contains(missing))
        }
        let text = temporaryPath("text.png")
        try Data("not a png at all".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try PNGFile.read(text)) { error in
            XCTAssertEqual(error as? RasterError, .notPNG(path: text))
        }
        // A valid file cut short, and one with a damaged image-data byte.
        let good = temporaryPath("good.png")
        let image = try ByteImage(width: 40, height: 30, mode: .rgb, pixels: (0..<3600).map { UInt8($0 % 251) })
        try PNGFile.write(image, to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = temporaryPath("truncated.png")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try PNGFile.read(truncated)) { error in
            guard case let RasterError.corrupt(path, reason) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, truncated)
            XCTAssertFalse(reason.isEmpty)
        }
        var damaged = bytes
        damaged[damaged.count - 20] ^= 0xFF  // inside the last IDAT: CRC mismatch
        let damagedPath = temporaryPath("damaged.png")
        try damaged.write(to: URL(fileURLWithPath: damagedPath))
        XCTAssertThrowsError(try PNGFile.read(damagedPath)) { error in
            guard case let RasterError.corrupt(path, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, damagedPath)
        }
        XCTAssertThrowsError(try PNGFile.write(image, to: "/nonexistent-dir/x.png")) { error in
            guard case let RasterError.unwritable(path, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, "/nonexistent-dir/x.png")
        }
        XCTAssertThrowsError(try ByteImage(width: 2, height: 2, mode: .rgb, pixels: [1, 2, 3]))
    }
}
