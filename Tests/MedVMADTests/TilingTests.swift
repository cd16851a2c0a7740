import Foundation
import Raster
import XCTest
@testable import MedVMAD

/// A stand-in model whose map is the local brightness of its S×S input (grey / 255) and whose score
/// is the map's maximum: it responds to bright spots, so tiling's geometry is what is tested.
struct BrightnessScorer: SliceScorer {
    let inputSize: Int
    var mapMaximum: Float { 1 }

    func score(images: [ByteImage]) throws -> [MedVMADInference.SliceResult] {
        try images.map { image in
            let s = inputSize
            let sized = image.width == s && image.height == s ? image : try image.resized(width: s, height: s, filter: .bicubic)
            let grey = sized.converted(to: .gray)
            var map = [Float](repeating: 0, count: s * s)
            var peak: Float = 0
            grey.pixels.withUnsafeBufferPointer { src in
                map.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<(s * s) {
                        dst[i] = Float(src[i]) / 255
                        peak = max(peak, dst[i])
                    }
                }
            }
            return MedVMADInference.SliceResult(map: map, size: s, score: peak)
        }
    }
}

final class TilingTests: XCTestCase {
    static func noiseImage(width: Int, height: Int, seed: UInt64) throws -> ByteImage {
        var rng = SplitMix64(seed: seed)
        return try ByteImage(width: width, height: height, mode: .gray, pixels: (0..<(width * height)).map { _ in UInt8(rng.next() & 0xFF) })
    }

    /// Tiles whose maps all agree with the image must blend back to exactly that image, whatever
    /// the window, at every pixel (edges, corners, and sides shorter than a tile included): this
    /// checks crop offsets, placement and the Σw normalisation together.
    func testBlendReproducesAgreeingMaps() throws {
        let scorer = BrightnessScorer(inputSize: 32)
        for (w, h) in [(150, 97), (200, 20), (32, 32)] {
            let image = try Self.noiseImage(width: w, height: h, seed: UInt64(w * h))
            for window in TileWindow.allCases {
                let r = try TiledInference(scorer: scorer, options: TilingOptions(window: window)).analyse(image)
                XCTAssertEqual(r.map.width, w)
                XCTAssertEqual(r.map.height, h)
                var worst: Float = 0
                for i in 0..<(w * h) { worst = max(worst, abs(r.map.values[i] - Float(image.pixels[i]) / 255)) }
                // Float32 weighted averages of identical values: rounding only.
                XCTAssertLessThan(worst, 1e-5, "\(w)×\(h) \(window)")
                XCTAssertEqual(r.score, Float(image.pixels.max()!) / 255, accuracy: 1e-6, "image score = max over tiles")
            }
        }
    }

    func testOriginsCoverTheImage() {
        XCTAssertEqual(TiledInference.origins(length: 100, tile: 32, stride: 16), [0, 16, 32, 48, 64, 68])
        XCTAssertEqual(TiledInference.origins(length: 96, tile: 32, stride: 16), [0, 16, 32, 48, 64])
        XCTAssertEqual(TiledInference.origins(length: 20, tile: 32, stride: 16), [0])
    }

    func testWindowsArePositiveAndSymmetric() {
        for window in TileWindow.allCases {
            let w = window.weights(length: 16)
            XCTAssertTrue(w.allSatisfy { $0 > 0 }, "\(window): every pixel keeps some weight")
            for i in 0..<8 { XCTAssertEqual(w[i], w[15 - i], accuracy: 1e-6) }
        }
        XCTAssertEqual(TileWindow.hann.weights(length: 2), [0.5, 0.5].map(Float.init), "sin²(π/4) = sin²(3π/4) = ½")
    }

    /// A 10-pixel bright lesion in a 2000-px image: resizing the whole image to the 64-px input
    /// averages it into the background, native-resolution tiles see it at full strength and put
    /// the map's peak on it.
    func testTilingFindsSmallLesionThatResizingMisses() throws {
        let side = 2000, background: UInt8 = 60, lesion: UInt8 = 250
        let (lx, ly) = (1234, 777)
        var pixels = [UInt8](repeating: background, count: side * side)
        for y in ly..<(ly + 10) { for x in lx..<(lx + 10) { pixels[y * side + x] = lesion } }
        let image = try ByteImage(width: side, height: side, mode: .gray, pixels: pixels)
        let scorer = BrightnessScorer(inputSize: 64)
        // Midway between what the stand-in gives for background and for lesion tissue.
        let threshold = (Float(background) + Float(lesion)) / 2 / 255
        let resized = try scorer.score(images: [image])[0]
        let tiled = try TiledInference(scorer: scorer).analyse(image)
        XCTAssertLessThan(resized.score, threshold, "resized path: the lesion is averaged away")
        XCTAssertGreaterThan(tiled.score, threshold, "tiled path: the lesion is seen")
        var peak = 0
        tiled.map.values.withUnsafeBufferPointer { m in for i in 1..<m.count where m[i] > m[peak] { peak = i } }
        XCTAssertTrue((lx..<(lx + 10)).contains(peak % side) && (ly..<(ly + 10)).contains(peak / side), "peak at \(peak % side), \(peak / side)")
        let policy = DecisionPolicy(imageThreshold: .init(value: threshold, source: .manual, description: "manual"),
                                    pixelThreshold: .init(value: threshold, source: .manual, description: "manual"),
                                    scale: try .uncalibrated(mapMaximum: 1))
        let verdict = policy.verdict(score: tiled.score, map: tiled.map.values)
        XCTAssertTrue(verdict.abnormal)
        // Flagged pixels: the lesion's 100 pixels, give or take the bilinear/blend rim.
        XCTAssertEqual(verdict.flaggedPixelFraction * Double(side * side), 100, accuracy: 60)
        XCTAssertFalse(policy.verdict(resized).abnormal)
    }

    /// Calibrating with tiling scores each image as `TiledInference` does (here: its brightest pixel)
    /// and counts every pixel of the blended maps.
    func testTiledCalibrationUsesTiledScores() throws {
        let dir = NSTemporaryDirectory() + "medvmad-tiled-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var images: [ByteImage] = []
        for i in 0..<20 {
            let image = try Self.noiseImage(width: 90, height: 70, seed: UInt64(100 + i))
            images.append(image)
            try PNGFile.write(image, to: String(format: "%@/%02d.png", dir, i))
        }
        let normals = try NormalImages.find(root: dir, split: "valid")
        XCTAssertEqual(normals.paths.count, 20, "plain folder of PNGs")
        let m = try Calibrator(tiling: TilingOptions(), batchSize: 6).measure(scorer: BrightnessScorer(inputSize: 32), paths: normals.paths)
        XCTAssertEqual(m.scores, images.map { Float($0.pixels.max()!) / 255 })
        XCTAssertEqual(m.mapValues.total, Int64(20 * 90 * 70))
    }

    func testDefaultPerModality() {
        XCTAssertTrue(TilingOptions.tiledByDefault(modality: "MG", width: 3328, height: 2560, inputSize: 336))
        XCTAssertTrue(TilingOptions.tiledByDefault(modality: "dx", width: 2000, height: 2500, inputSize: 336))
        XCTAssertFalse(TilingOptions.tiledByDefault(modality: "MR", width: 2000, height: 2000, inputSize: 240))
        XCTAssertFalse(TilingOptions.tiledByDefault(modality: "CR", width: 240, height: 240, inputSize: 240), "small radiograph: resized whole")
        XCTAssertFalse(TilingOptions.tiledByDefault(modality: nil, width: 4000, height: 4000, inputSize: 240))
    }
}
