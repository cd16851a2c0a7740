import FixtureSupport
import Foundation
import XCTest

@testable import Raster

/// matplotlib's tables and sample colours written by `make_colormap_fixtures.py`.
struct ColormapFixture: Decodable {
    struct Map: Decodable {
        let lut: [[Int]]
        let samples: [[Int]]
    }
    let matplotlib: String
    let values: [Double]
    let maps: [String: Map]

    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> ColormapFixture {
        let found = Fixtures.files(named: "colormaps.json").filter { $0.deletingLastPathComponent().lastPathComponent == "render" }
        let url = try XCTUnwrap(found.first, "Tests/Fixtures/render/colormaps.json not found", file: file, line: line)
        return try JSONDecoder().decode(ColormapFixture.self, from: Data(contentsOf: url))
    }
}

enum RenderTestSupport {
    /// A fresh folder under the system temporary directory for PNGs written by tests.
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("render-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    }

    /// WCAG relative luminance of an sRGB colour (linearised channels, Rec. 709 weights).
    static func relativeLuminance(_ c: RGBColor) -> Double {
        func linear(_ v: UInt8) -> Double {
            let s = Double(v) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(c.red) + 0.7152 * linear(c.green) + 0.0722 * linear(c.blue)
    }
}
