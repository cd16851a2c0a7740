import CLIP
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import MedVMAD

/// Finite-difference checks of the backward passes the `anomalyclip` profile adds or relies on, its
/// settings' JSON compatibility, and a short training run through `Trainer` and `MedVMADInference`.
///
/// Loss L = Σ wᵢ·outᵢ with fixed random w. Central differences in float32 with step h carry O(h²)
/// truncation plus ~1e-7/h rounding; 2e-2 relative to the largest gradient entry is well above that
/// noise and far below what a wrong formula gives (a sign or a transposition error is O(1)).
final class AnomalyCLIPKernelTests: XCTestCase {
    struct Rng {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
        }
        mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in next() * scale } }
    }

    func check(_ name: String, x: [Float], analytic: [Float], h: Float = 1e-2, tol: Float = 2e-2, loss: ([Float]) -> Float) {
        var xs = x, worst: Float = 0, at = 0
        let scale = max(analytic.map(abs).max() ?? 0, 1e-3)
        for i in x.indices {
            xs[i] = x[i] + h
            let lp = loss(xs)
            xs[i] = x[i] - h
            let lm = loss(xs)
            xs[i] = x[i]
            let err = abs((lp - lm) / (2 * h) - analytic[i]) / scale
            if err > worst { worst = err; at = i }
        }
        XCTAssertLessThan(worst, tol, "\(name): worst relative error \(worst) at \(at) (analytic \(analytic[at]))")
    }

    func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Half-pixel (and align-corners) bilinear resizing: backward against central differences, for
    /// up-, down- and mixed resizing, including a one-pixel side.
    func testBilinearUpsampleBackward() {
        var r = Rng(state: 11)
        for alignCorners in [false, true] {
            for (from, to) in [((3, 4), (7, 9)), ((7, 5), (3, 2)), ((4, 5), (9, 2)), ((1, 3), (4, 6))] {
                let up = BilinearUpsample(from: from, to: to, alignCorners: alignCorners)
                let planes = 2
                let x = r.array(planes * from.0 * from.1), w = r.array(planes * to.0 * to.1)
                var scratch = [Float](repeating: 0, count: from.0 * to.1)
                func run(_ x: [Float]) -> [Float] {
                    var out = [Float](repeating: 0, count: planes * to.0 * to.1)
                    up.forward(out: &out, inp: x, planes: planes, scratch: &scratch)
                    return out
                }
                var dx = [Float](repeating: 0, count: x.count)
                up.backward(dinp: &dx, dout: w, planes: planes, scratch: &scratch)
                check("bilinear \(alignCorners ? "align-corners" : "half-pixel") \(from)→\(to)", x: x, analytic: dx) { dot(run($0), w) }
            }
        }
    }

    /// Patch–text head: d(Σ w·probs)/d(text) for both map rules.
    func testHeadTextGradient() {
        var r = Rng(state: 12)
        let (b, g, s, e) = (2, 3, 7, 5)
        let tokens = r.array(b * g * g * e), w = r.array(b * 2 * s * s)
        let text = r.array(2 * e, scale: 0.5)
        for rule in [MedVMADConfig.MapRule.softmaxThenUpsampleHalfPixel, .upsampleLogitsAlignCorners] {
            func run(_ t: [Float]) -> (Float, AnomalyCLIPHead) {
                let head = AnomalyCLIPHead(batch: b, grid: g, size: s, embed: e, scale: 1 / 0.07, rule: rule)
                head.forward(tokens: tokens, text: t)
                return (dot(head.probs.array, w), head)
            }
            let (_, head) = run(text)
            var dprobs = w, dtext = [Float](repeating: 0, count: 2 * e)
            head.backward(dprobs: &dprobs, text: text, dtext: &dtext)
            // Logits are scaled by 14.3, so a smaller step keeps the truncation error down.
            check("head dtext \(rule.rawValue)", x: text, analytic: dtext, h: 2e-3) { run($0).0 }
        }
    }

    /// Global cross-entropy: d(CE)/d(text).
    func testGlobalCrossEntropyTextGradient() {
        var r = Rng(state: 13)
        let (b, e) = (3, 6)
        let global = r.array(b * e, scale: 20), text = r.array(2 * e, scale: 0.5), labels: [Float] = [1, 0, 1]
        func run(_ t: [Float]) -> (Float, AnomalyCLIPGlobalScore) {
            let score = AnomalyCLIPGlobalScore(batch: b, embed: e, scale: 1 / 0.07)
            score.forward(global: global, text: t)
            return (score.crossEntropy(labels: labels), score)
        }
        let (_, score) = run(text)
        var dtext = [Float](repeating: 0, count: 2 * e)
        score.backwardCrossEntropy(labels: labels, weight: 1, dtext: &dtext)
        check("global cross-entropy dtext", x: text, analytic: dtext, h: 2e-3) { run($0).0 }
    }

    /// Files written before the new settings existed still load, and the older profiles write none of them.
    func testConfigJSONStaysBackwardCompatible() throws {
        let clip = CLIPConfig.Preset.vitL14At336.config
        for profile in [MedVMADConfig.Profile.medvmad, .medvmadSeed] {
            let config = profile.config(clip: clip)
            let json = String(decoding: try ModelManifest.encoder.encode(config), as: UTF8.self)
            for key in ["dpam_from_layer", "position_resize", "map_rule", "image_score_rule", "image_loss"] {
                XCTAssertFalse(json.contains(key), "\(profile.rawValue) must not write \(key)")
            }
            XCTAssertEqual(try ModelManifest.decoder.decode(MedVMADConfig.self, from: Data(json.utf8)), config)
        }
        let a = MedVMADConfig.Profile.anomalyclip.config(clip: clip)
        let data = try ModelManifest.encoder.encode(a)
        XCTAssertEqual(try ModelManifest.decoder.decode(MedVMADConfig.self, from: data), a)
        XCTAssertNoThrow(try a.validate(path: "anomalyclip", clip: clip))
        // the 518-px, layer-6, last-layer choices on ViT-L/14@336
        XCTAssertEqual(a.imageSize, 518)
        XCTAssertEqual(a.dpamFromLayer, 6)
        XCTAssertEqual(a.featureLayers, [24])
        var bad = a
        bad.adapters = MedVMADConfig.Profile.medvmad.config(clip: clip).adapters
        XCTAssertThrowsError(try bad.validate(path: "bad.json", clip: clip)) { XCTAssertTrue("\($0)".contains("bad.json")) }
        var late = a
        late.dpamFromLayer = 25
        XCTAssertThrowsError(try late.validate(path: "late.json", clip: clip))
    }

    /// `Trainer` trains the profile for an epoch, the model folder loads for inference, and inference
    /// gives what the model's forward gives.
    func testTrainingRunAndInference() throws {
        let root = try SyntheticBMAD.makeStandard()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clip = try TinyTraining.checkpoint()
        let model = try TinyTraining.model(profile: .anomalyclip, clip: clip, epochs: 1, learningRate: 1e-3)
        let before = model.params.copy()
        let output = root + "/model"
        let trainer = try TinyTraining.train(model, name: "anomalyclip-test", clip: clip, root: root, output: output)
        XCTAssertEqual(trainer.history.count, 1)
        XCTAssertTrue(trainer.history[0].totalLoss.isFinite)
        XCTAssertTrue(model.params.names.contains { model.params[$0].array != before[$0].array }, "training changed no prompt parameter")
        let engine = try MedVMADInference.load(modelDirectory: output)
        XCTAssertEqual(engine.model.config, model.config)
        let dataset = try BMADDataset.load(root: root, split: "test")
        let (pixels, _) = try BMADDataset.sample(dataset.items[0], preprocessor: engine.preprocessor)
        let batch = Tensor.stack([pixels])
        let result = try engine.infer(pixels: batch)
        let direct = try model.forward(pixels: batch, textFeatures: model.textFeatures())
        XCTAssertEqual(result[0].score, direct.imageScores[0], accuracy: 1e-6)
        XCTAssertEqual(result[0].map, direct.anomalyMaps.data)
        XCTAssertTrue(result[0].score >= 0 && result[0].score <= 1, "the global score is a probability")
    }
}
