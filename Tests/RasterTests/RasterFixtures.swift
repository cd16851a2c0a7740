import FixtureSupport
import Foundation
import Raster
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
        let box: [Float]?
    }
    struct ResizeFloat: Decodable {
        let input: String
        let input_width: Int
        let input_height: Int
        let width: Int
        let height: Int
        let filter: String
        let expected: String
        let box: [Float]?
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

    /// The manifest and its folder. These fixtures belong to the project (made by the in-tree
    /// script), so they are read from the project's `Tests/Fixtures/raster` even when
    /// `MEDVMAD_FIXTURES_DIR` points the fixture-set search elsewhere.
    static func load() throws -> (RasterManifest, URL) {
        let dir = Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/raster")
        let manifest = try JSONDecoder().decode(RasterManifest.self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        return (manifest, dir)
    }

    /// The case's source box, if it has one.
    static func box(_ values: [Float]?) -> ResampleBox? {
        guard let v = values, v.count == 4 else { return nil }
        return ResampleBox(x0: v[0], y0: v[1], x1: v[2], y1: v[3])
    }

    /// Raw little-endian float32 values.
    static func floats(at url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
