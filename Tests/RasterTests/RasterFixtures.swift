import FixtureSupport
import Foundation
import XCTest

/// The Pillow reference cases written by `make_resize_fixtures.py` into `Tests/Fixtures/raster`.
struct RasterManifest: Decodable {
    struct Resize: Decodable {
        let input: String
        let width: Int
        let height: Int
        let filter: String
        let mode: String
        let expected: String
    }
    struct ResizeFloat: Decodable {
        let input: String
        let input_width: Int
        let input_height: Int
        let width: Int
        let height: Int
        let filter: String
        let expected: String
    }
    struct Convert: Decodable {
        let input: String
        let mode: String
        let expected: String
    }
    struct Decode: Decodable {
        let input: String
        let pillow_mode: String
        let mode: String
        let expected: String
    }
    let pillow: String
    let resize: [Resize]
    let resize_float: [ResizeFloat]
    let convert: [Convert]
    let decode: [Decode]

    /// The manifest and its folder; fails the test when the fixtures are missing.
    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> (RasterManifest, URL) {
        let found = Fixtures.files(named: "manifest.json").filter { $0.deletingLastPathComponent().lastPathComponent == "raster" }
        let url = try XCTUnwrap(found.first, "Tests/Fixtures/raster/manifest.json not found", file: file, line: line)
        let manifest = try JSONDecoder().decode(RasterManifest.self, from: Data(contentsOf: url))
        return (manifest, url.deletingLastPathComponent())
    }

    /// Raw little-endian float32 values.
    static func floats(at url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
