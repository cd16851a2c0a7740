import CLIP
import Checkpoint
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import MedVMAD

/// Parity of the `text-only` profile with the PyTorch reference (`scripts/reference/mvfa_textonly_reference.py`):
/// learned prompts, projected stream features, global-embedding score, losses, prompt gradients and Adam steps.
final class TextOnlyParityTests: XCTestCase {
    struct Case {
        let name: String
        let file: SafetensorsFile
        let model: MedVMADModel
    }

    static func load(_ url: URL) throws -> Case {
        let file = try SafetensorsFile(path: url.path)
        let m = file.metadata
        let set = try MVFAParityTests.clipSet(for: file)
        let clipConfig = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
        let weights = try CLIPWeights.load(from: try SafetensorsFile(path: set.appendingPathComponent("model.safetensors").path), config: clipConfig)
        var config = MedVMADConfig.Profile.textOnly.config(clip: clipConfig, className: try XCTUnwrap(m["class_name"]))
        config.featureLayers = try XCTUnwrap(FixtureMetadata.array(m["feature_layers"]) as [Int]?)
        config.imageSize = try XCTUnwrap(m["image_size"].flatMap(Int.init))
        config.smoothingSigma = Float(try XCTUnwrap(m["sigma"].flatMap(Double.init)))
        config.logitScale = Float(try XCTUnwrap(m["logit_scale"].flatMap(Double.init)))
        config.training.learningRate = Float(try XCTUnwrap(m["learning_rate"].flatMap(Double.init)))
        config.prompt.contextLength = try XCTUnwrap(m["n_ctx"].flatMap(Int.init))
        config.prompt.deepTokens = try XCTUnwrap(m["deep_prompt_tokens"].flatMap(Int.init))
        config.prompt.depth = try XCTUnwrap(m["prompt_depth"].flatMap(Int.init))
        config.prompt.normalTemplate = try XCTUnwrap(m["normal_template"])
        config.prompt.abnormalTemplate = try XCTUnwrap(m["abnormal_template"])
        XCTAssertEqual(config.prompt.texts, FixtureMetadata.array(m["prompt_texts"]) as [String]?, "prompt strings built from the templates")
        XCTAssertNil(config.adapters, "text-only has no adapters")
        let (shape, flat) = try file.integers("inputs.input_ids")
        let refIds = (0..<shape[0]).map { Array(flat[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clipConfig.text.contextLength, tokenizer: try CLIPTokenizer())
        XCTAssertEqual(ids, refIds, "token ids of the prompts")
        let model = try MedVMADModel(config: config, clipWeights: weights, clipConfig: clipConfig, promptIds: ids)
        var params: [String: Tensor] = [:]
        for n in file.names where n.hasPrefix("params.") { params[String(n.dropFirst("params.".count))] = try file.tensor(n) }
        try model.params.load(params, path: url.path)
        XCTAssertEqual(model.prompts.eotIndices, FixtureMetadata.array(m["eot_index"]) as [Int]?)
        return Case(name: set.lastPathComponent + " → " + url.lastPathComponent, file: file, model: model)
    }

    static func cases() throws -> [Case] {
        let files = Fixtures.files(named: "text-only-reference.safetensors")
        XCTAssertFalse(files.isEmpty, "no text-only-reference.safetensors under \(Fixtures.roots.map(\.path))")
        return try files.map {
            print("text-only parity: \($0.path)")
            return try load($0)
        }
    }

    func testForwardMatchesReference() throws {
        for c in try Self.cases() {
            let f = c.file
            let text = c.model.textFeatures()
            // Embeddings: fixtures README's 1e-4 + 1e-3 relative; probabilities, maps and scores: 1e-4.
            assertClose(text, try f.tensor("outputs.text_features"), "\(c.name) text_features", atol: 1e-4, rtol: 1e-3)
            let out = try c.model.forward(pixels: try f.tensor("inputs.pixel_values"), textFeatures: text, keepLevels: true)
            XCTAssertTrue(out.levelScores.isEmpty, "the image score comes from the global embedding")
            for k in out.levelProbabilities.indices {
                let tokens = try f.tensor("outputs.level.\(k).tokens")
                assertClose(out.segTokens[k], tokens, "\(c.name) level \(k) tokens (seg)", atol: 1e-4, rtol: 1e-3)
                assertClose(out.detTokens[k], tokens, "\(c.name) level \(k) tokens (det)", atol: 1e-4, rtol: 1e-3)
                assertClose(out.levelProbabilities[k], try f.tensor("outputs.level.\(k).probability"), "\(c.name) level \(k) probability", atol: 1e-4)
            }
            assertClose(out.anomalyMaps, try f.tensor("outputs.anomaly_map"), "\(c.name) anomaly_map", atol: 1e-4)
            assertClose(Tensor(shape: [out.imageScores.count], data: out.imageScores), try f.tensor("outputs.image_score"), "\(c.name) image_score", atol: 1e-4)
        }
    }

    func testLossesAndGradientsMatchReference() throws {
        for c in try Self.cases() {
            let f = c.file
            let grads = c.model.params.zerosLike()
            XCTAssertEqual(grads.names.filter { $0.hasPrefix("adapters.") }, [], "text-only trains prompts only")
            let losses = try c.model.lossAndGradients(pixels: try f.tensor("inputs.pixel_values"), masks: try f.tensor("inputs.masks"),
                                                      labels: try f.tensor("inputs.labels").data, grads: grads)
            for (k, l) in losses.levels.enumerated() {
                for (term, value) in [("focal", l.focal), ("dice_abnormal", l.diceAbnormal), ("dice_normal", l.diceNormal)] {
                    XCTAssertEqual(value, try f.tensor("outputs.loss.level.\(k).\(term)").data[0], accuracy: 1e-4, "\(c.name) loss level \(k) \(term)")
                }
                XCTAssertEqual(l.bce, 0, "no per-level image term")
            }
            XCTAssertEqual(try XCTUnwrap(losses.globalBCE), try f.tensor("outputs.loss.bce").data[0], accuracy: 1e-4, "\(c.name) global bce")
            XCTAssertEqual(losses.total, try f.tensor("outputs.loss.total").data[0], accuracy: 1e-4, "\(c.name) total loss")
            for n in grads.names {
                let expected = try f.tensor("grads.\(n)")
                // Gradients: rtol 2e-3 of the tensor's max |value| (fixtures README).
                let scale = max(expected.data.map(abs).max() ?? 0, 1e-6)
                assertClose(grads[n].tensor(expected.shape), expected, "\(c.name) grad \(n)", atol: 2e-3 * scale)
            }
        }
    }

    func testThreeAdamStepsMatchReference() throws {
        for c in try Self.cases() {
            let f = c.file, t = c.model.config.training
            let adam = Adam(like: c.model.params, learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon)
            let expectedLosses = try f.tensor("adam.losses_before_each_step").data
            let pixels = try f.tensor("inputs.pixel_values"), masks = try f.tensor("inputs.masks"), labels = try f.tensor("inputs.labels").data
            for step in expectedLosses.indices {
                let grads = c.model.params.zerosLike()
                let l = try c.model.lossAndGradients(pixels: pixels, masks: masks, labels: labels, grads: grads)
                XCTAssertEqual(l.total, expectedLosses[step], accuracy: 1e-4, "\(c.name) loss before step \(step)")
                adam.update(c.model.params, grads: grads)
            }
            for n in c.model.params.names {
                let expected = try f.tensor("adam.params_after_3_steps.\(n)"), g = try f.tensor("grads.\(n)").data
                let gmax = g.map(abs).max() ?? 0, actual = c.model.params[n].array
                // As in the MedVMAD parity test: 1e-5 (a hundredth of lr 1e-3), and one tenth of a step for
                // elements whose gradient is within float32 rounding of zero.
                for i in expected.data.indices {
                    let tol: Float = abs(g[i]) < 1e-3 * gmax ? 1e-4 : 1e-5
                    if abs(actual[i] - expected.data[i]) > tol {
                        XCTFail("\(c.name) params after Adam \(n) at \(Compare.unravel(i, expected.shape)): got \(actual[i]), expected \(expected.data[i])")
                        break
                    }
                }
            }
        }
    }

    /// `GlobalScoreHead.backward` against central differences of Σ w·score in the text features.
    func testGlobalScoreGradientByFiniteDifferences() {
        let b = 3, e = 5
        var rng = SplitMix64(seed: 7)
        let emb = (0..<(b * e)).map { _ in Double(rng.nextGaussian()) }
        var text = (0..<(2 * e)).map { _ in Double(rng.nextGaussian()) }
        let w: [Float] = [0.7, -1.3, 0.4]
        func objective(_ t: [Double]) -> Double {
            // Independent double-precision evaluation of the same rule.
            var total = 0.0
            for i in 0..<b {
                let g = emb[(i * e)..<((i + 1) * e)], n = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                var z = [0.0, 0.0]
                for c in 0..<2 { for k in 0..<e { z[c] += 2.5 * g[i * e + k] / n * t[c * e + k] } }
                total += Double(w[i]) / (1 + exp(z[0] - z[1]))
            }
            return total
        }
        let head = GlobalScoreHead(batch: b, embed: e, scale: 2.5)
        let embF = emb.map(Float.init), textF = text.map(Float.init)
        embF.withUnsafeBufferPointer { ep in textF.withUnsafeBufferPointer { tp in head.forward(embeddings: ep.baseAddress!, text: tp.baseAddress!) } }
        var dtext = [Float](repeating: 0, count: 2 * e)
        dtext.withUnsafeMutableBufferPointer { head.backward(dscores: w, dtext: $0.baseAddress!) }
        for i in text.indices {
            let h = 1e-5, keep = text[i]
            text[i] = keep + h; let up = objective(text)
            text[i] = keep - h; let down = objective(text)
            text[i] = keep
            // Float32 forward state against a double-precision central difference: 1e-4 absolute.
            XCTAssertEqual(Double(dtext[i]), (up - down) / (2 * h), accuracy: 1e-4, "d/dtext[\(i)]")
        }
    }
}

/// The baseline settings in `medvmad.json`: absent from older files, round-tripped, and checked.
final class TextOnlyConfigTests: XCTestCase {
    func testBaselineFieldsAreOptionalAndChecked() throws {
        let clip = try TinyTraining.checkpoint().config
        let medvmad = MedVMADConfig.Profile.medvmad.config(clip: clip)
        // A medvmad config writes none of the new keys, so files written before them read back unchanged.
        let json = String(decoding: try ModelManifest.encoder.encode(medvmad), as: UTF8.self)
        for key in ["position_resize", "normalize_input", "mask_filter", "patch_features", "image_score_rule", "prompt_ensemble"] {
            XCTAssertFalse(json.contains(key), key)
        }
        XCTAssertEqual(medvmad.patchFeatureSource, .adapters)
        XCTAssertEqual(medvmad.effectiveImageScoreRule, .meanPatchProbability)
        for profile in [MedVMADConfig.Profile.mvfa, .textOnly] {
            let c = profile.config(clip: clip)
            XCTAssertEqual(try ModelManifest.decoder.decode(MedVMADConfig.self, from: try ModelManifest.encoder.encode(c)), c, profile.rawValue)
            XCTAssertNoThrow(try c.validate(path: "x.json", clip: clip), profile.rawValue)
        }
        func rejects(_ edit: (inout MedVMADConfig) -> Void, _ phrase: String) {
            var c = MedVMADConfig.Profile.textOnly.config(clip: clip)
            edit(&c)
            XCTAssertThrowsError(try c.validate(path: "bad.json", clip: clip)) { e in
                XCTAssertTrue("\(e)".contains("bad.json") && "\(e)".contains(phrase), "\(e)")
            }
        }
        rejects({ $0.promptEnsemble = .mvfa }, "nothing to learn")
        rejects({ $0.maskFilter = "lanczos" }, "mask_filter")
        rejects({ $0.patchFeatures = .adapters }, "needs adapters")
        rejects({ $0.adapters = MedVMADConfig.Profile.medvmad.config(clip: clip).adapters }, "image_score_rule")
        rejects({ $0.promptEnsemble = PromptEnsemble(normalStates: ["fine"], abnormalStates: ["{} bad"], templates: ["{}"]) ; $0.adapters = MedVMADConfig.Profile.medvmad.config(clip: clip).adapters; $0.imageScoreRule = nil }, "'{}'")
    }
}
