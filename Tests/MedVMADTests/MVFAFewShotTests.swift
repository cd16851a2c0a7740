import CLIP
import FixtureSupport
import Foundation
import Raster
import Tensor
import XCTest
@testable import MedVMAD

/// MVFA's few-shot mode: the 11 augmented views, the memory bank distances, and the min–max fusion.
final class MVFAFewShotTests: XCTestCase {
    func testAugmentedViews() {
        let c = 2, h = 20, w = 20, plane = h * w
        var rng = SplitMix64(seed: 5)
        let img = (0..<(c * plane)).map { _ in rng.nextUnit() }
        let views = MVFAFewShotMemory.augment(Tensor(shape: [1, c, h, w], data: img))
        XCTAssertEqual(views.shape, [11, c, h, w])
        func view(_ k: Int) -> [Float] { Array(views.data[(k * c * plane)..<((k + 1) * c * plane)]) }
        XCTAssertEqual(view(0), img, "view 0 is the original")
        for ch in 0..<c {
            for y in 0..<h {
                for x in 0..<w {
                    XCTAssertEqual(view(9)[ch * plane + y * w + x], img[ch * plane + y * w + (w - 1 - x)], "horizontal flip")
                    XCTAssertEqual(view(10)[ch * plane + y * w + x], img[ch * plane + (h - 1 - y) * w + x], "vertical flip")
                }
            }
        }
        // Translation by (0.1, 0.1) in [−1, 1] coordinates on a 20-pixel side is exactly one pixel: the output
        // at (x, y) samples (x + 1, y + 1); the last row and column reflect.
        let shifted = view(5)
        for ch in 0..<c {
            for y in 0..<(h - 1) {
                for x in 0..<(w - 1) {
                    XCTAssertEqual(shifted[ch * plane + y * w + x], img[ch * plane + (y + 1) * w + x + 1], accuracy: 1e-6, "translation at \(x),\(y)")
                }
            }
        }
        // Identity affine reproduces the image (samples at pixel centres).
        XCTAssertEqual(MVFAFewShotMemory.warp(img, channels: c, height: h, width: w, affine: (1, 0, 0, 0, 1, 0)), img)
    }

    func testFewShotMapOfASupportImageIsZeroAndFusionIsMinMax() throws {
        let clip = try TinyTraining.checkpoint()
        var config = MedVMADConfig.Profile.mvfa.config(clip: clip.config, className: "brain")
        config.imageSize = 42
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clip.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: clip.weights, clipConfig: clip.config, promptIds: ids)
        model.params.initialise(seed: 3)
        var rng = SplitMix64(seed: 9)
        let s = config.imageSize, plane = 3 * s * s
        let images = Tensor(shape: [2, 3, s, s], data: (0..<(2 * plane)).map { _ in rng.nextUnit() })
        let support = Tensor(shape: [1, 3, s, s], data: Array(images.data[0..<plane]))
        let memory = try MVFAFewShotMemory(model: model, supports: support)
        // 11 views × (1 + G²) tokens, CLS included.
        XCTAssertEqual(memory.bankRows, 11 * (1 + (s / 14) * (s / 14)))
        let maps = try memory.maps(pixels: images)
        let own = maps.data[0..<(s * s)], other = maps.data[(s * s)...]
        // Every patch of the support image is in the bank: distance 0 up to float32 rounding of the cosine.
        XCTAssertLessThan(own.map(abs).max()!, 1e-5)
        XCTAssertGreaterThan(other.max()!, 1e-3, "an unrelated image is not in the bank")

        let fusion = try MVFAFewShotFusion.measure(memory: memory, count: 1) { _ in images }
        let zero = try model.forward(pixels: images, textFeatures: model.textFeatures()).anomalyMaps
        let fused = try fusion.fuse(pixels: images, zeroShotMaps: zero)
        // Independent: the two maps' min–max over the set, averaged.
        let z = zero.data, f = maps.data
        let (zl, zh, fl, fh) = (z.min()!, z.max()!, f.min()!, f.max()!)
        for i in stride(from: 0, to: z.count, by: 37) {
            XCTAssertEqual(fused.maps[i], 0.5 * (z[i] - zl) / (zh - zl) + 0.5 * (f[i] - fl) / (fh - fl), accuracy: 1e-5)
        }
        XCTAssertEqual(fused.scores, [Array(fused.maps[0..<(s * s)]).max()!, Array(fused.maps[(s * s)...]).max()!])
        XCTAssertTrue(fused.maps.allSatisfy { $0 >= -1e-6 && $0 <= 1 + 1e-6 }, "fused values lie in [0, 1]")
    }
}
