import Checkpoint
import FixtureSupport
import Foundation
import Raster
import Tensor
import XCTest

@testable import CLIP

final class PreprocessTests: XCTestCase {
    /// `image.png` of every CLIP fixture set, preprocessed, equals `pixel_values[0]` of its reference.
    /// atol 1e-6: the reference is float32 arithmetic identical to ours, so only a wrong formula
    /// (e.g. reciprocal multiplication, a different mean) could exceed it.
    func testPixelValuesMatchEveryFixtureSet() throws {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set found")
        for dir in sets {
            print("CLIP fixture set: \(dir.path)")
            let reference = try SafetensorsFile(path: dir.appendingPathComponent("reference.safetensors").path)
            let expected = try reference.tensor("pixel_values").slice(0)
            let size = expected.shape[1]
            let image = try PNGFile.read(dir.appendingPathComponent("image.png").path)
            let out = try CLIPImagePreprocessor(imageSize: size).pixelValues(image)
            XCTAssertEqual(out.shape, expected.shape)
            if let m = Compare.allClose(out.data, expected.data, shape: expected.shape, atol: 1e-6, rtol: 0) {
                XCTFail("\(dir.lastPathComponent): \(m)")
            }
        }
    }

    /// Resizing to a different size goes through PIL bicubic: compare with the Pillow fixture of the
    /// same image resized to 336, normalised independently here.
    func testPixelValuesUsePillowBicubic() throws {
        let dir = Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/raster")
        let resized = try PNGFile.read(dir.appendingPathComponent("out____tiny-clip_image_bicubic_336x336.png").path)
        let image = try PNGFile.read(dir.appendingPathComponent("../tiny-clip/image.png").standardizedFileURL.path)
        let out = try CLIPImagePreprocessor().pixelValues(image)
        let mean: [Float] = [0.48145466, 0.4578275, 0.40821073]
        let std: [Float] = [0.26862954, 0.26130258, 0.27577711]
        for c in 0..<3 {
            for i in stride(from: 0, to: 336 * 336, by: 97) {
                let want = (Float(resized.pixels[i * 3 + c]) / 255 - mean[c]) / std[c]
                XCTAssertEqual(out.data[c * 336 * 336 + i], want)
            }
        }
    }

    /// Mask path on a hand-made mask: dark but non-black pixels count as lesion (luma > 0), the
    /// bilinear resize then the 0.5 threshold decides the border, checked against an independent
    /// computation from the Raster primitives.
    func testMaskBinarisesLumaThenBilinearThenThreshold() throws {
        var pixels = [UInt8](repeating: 0, count: 20 * 20 * 4)
        for y in 5..<12 {
            for x in 4..<15 {
                let i = (y * 20 + x) * 4
                pixels[i] = 0; pixels[i + 1] = 1; pixels[i + 2] = 0; pixels[i + 3] = 255  // luma 1
            }
        }
        let mask = try ByteImage(width: 20, height: 20, mode: .rgba, pixels: pixels)
        let pre = CLIPImagePreprocessor(imageSize: 56)
        let out = try pre.maskValues(mask)
        XCTAssertEqual(out.shape, [56, 56])
        let binary = try ByteImage(width: 20, height: 20, mode: .gray,
                                   pixels: (0..<400).map { i in (5..<12).contains(i / 20) && (4..<15).contains(i % 20) ? 255 : 0 })
        let resized = try binary.resized(width: 56, height: 56, filter: .bilinear)
        XCTAssertEqual(out.data, resized.pixels.map { $0 >= 128 ? 1 : 0 })
        let ones = out.data.filter { $0 == 1 }.count
        XCTAssertEqual(Double(ones), Double(7 * 11) * (56.0 * 56.0) / 400.0, accuracy: 60)
    }
}
