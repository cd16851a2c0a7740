import Foundation
import XCTest

@testable import Raster

/// A PNG header's width and height are untrusted: an image declaring more pixels than the limit
/// is refused before its pixel memory is allocated.
final class PNGLimitTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("raster-limits-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// CRC-32 of a chunk's type and data, computed here independently of libpng.
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    /// A well-formed header declaring `width` × `height` 8-bit grey, followed by an empty zlib
    /// stream as its only image data (libpng reads the header up to the first IDAT).
    private func headerOnlyPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return signature + chunk("IHDR", be32(width) + be32(height) + [8, 0, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    func testHugeDeclaredSizeIsRefusedNamingTheFile() throws {
        // 100 000 × 100 000 passes libpng's own 1 000 000-per-side limit; 10^10 pixels do not pass ours.
        let path = temporaryPath("huge.png")
        try Data(headerOnlyPNG(width: 100_000, height: 100_000)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNGFile.read(path)) { error in
            guard case RasterError.tooLarge(let p, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(reason.contains("100000 x 100000"), reason)
        }
        XCTAssertThrowsError(try PNGFile.readGray16(path)) { error in
            guard case RasterError.tooLarge = error else { return XCTFail("\(error)") }
        }
    }

    func testLimitIsConfigurableAndExact() throws {
        let path = temporaryPath("ten.png")
        let image = try ByteImage(width: 10, height: 10, mode: .gray, pixels: [UInt8](repeating: 7, count: 100))
        try PNGFile.write(image, to: path)
        XCTAssertEqual(try PNGFile.read(path, maxPixels: 100), image)
        XCTAssertThrowsError(try PNGFile.read(path, maxPixels: 99)) { error in
            guard case RasterError.tooLarge(let p, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(reason.contains("10 x 10") && reason.contains("99"), reason)
        }
    }

    func testSmallDeclaredSizeWithoutDataIsCorruptNotTooLarge() throws {
        // The same header-only file at a size under the limit fails for its missing data instead.
        let path = temporaryPath("empty.png")
        try Data(headerOnlyPNG(width: 4, height: 4)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNGFile.read(path)) { error in
            guard case RasterError.corrupt(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }
}
