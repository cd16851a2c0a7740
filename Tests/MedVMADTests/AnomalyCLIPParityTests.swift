import CLIP
import Checkpoint
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import MedVMAD

/// Parity of the `anomalyclip` profile with the PyTorch reference written by
/// `scripts/reference/anomalyclip_reference.py` (`anomalyclip-reference.safetensors`, float64 stored as
/// float32): resized positions, text features, level tokens, probabilities, maps, scores, every loss
/// term, prompt gradients, three Adam steps, and the public checkpoint layout. Settings come from the
/// file's metadata; the CLIP set is the one its `clip_set` names.
final class AnomalyCLIPParityTests: XCTestCase {
    struct Case {
        let url: URL
        let file: SafetensorsFile
        let model: MedVMADModel
        var name: String { url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent }
    }

    static func load(_ url: URL) throws -> Case {
        let file = try SafetensorsFile(path: url.path)
        let m = file.metadata
        let set = url.deletingLastPathComponent().appendingPathComponent(try XCTUnwrap(m["clip_set"])).standardizedFileURL
        let clipConfig = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
        let weights = try CLIPWeights.load(from: try SafetensorsFile(path: set.appendingPathComponent("model.safetensors").path), config: clipConfig)
        var config = MedVMADConfig.Profile.anomalyclip.config(clip: clipConfig)
        XCTAssertEqual(m["profile"], config.profile)
        config.imageSize = try XCTUnwrap(m["image_size"].flatMap(Int.init))
        config.dpamFromLayer = try XCTUnwrap(m["dpam_from_layer"].flatMap(Int.init))
        config.featureLayers = try XCTUnwrap(FixtureMetadata.array(m["feature_layers"]) as [Int]?)
        config.prompt.contextLength = try XCTUnwrap(m["n_ctx"].flatMap(Int.init))
        config.prompt.deepTokens = try XCTUnwrap(m["deep_prompt_tokens"].flatMap(Int.init))
        config.prompt.depth = try XCTUnwrap(m["prompt_depth"].flatMap(Int.init))
        config.prompt.className = try XCTUnwrap(m["class_name"])
        config.prompt.normalTemplate = try XCTUnwrap(m["normal_template"])
        config.prompt.abnormalTemplate = try XCTUnwrap(m["abnormal_template"])
        config.logitScale = 1 / Float(try XCTUnwrap(m["temperature"].flatMap(Double.init)))
        config.training.localWeight = Float(try XCTUnwrap(m["local_weight"].flatMap(Double.init)))
        config.smoothingSigma = Float(try XCTUnwrap(m["sigma"].flatMap(Double.init)))
        config.smoothingTruncate = Float(try XCTUnwrap(m["truncate"].flatMap(Double.init)))
        XCTAssertEqual(config.prompt.texts, FixtureMetadata.array(m["prompt_texts"]) as [String]?, "prompt strings built from the templates")
        let (shape, flat) = try file.integers("inputs.input_ids")
        let ids = (0..<shape[0]).map { Array(flat[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        // The reference hard-codes the CLIP BPE ids of its two prompts; the project's tokenizer must agree.
        XCTAssertEqual(try MedVMADModel.promptIds(for: config.prompt, contextLength: clipConfig.text.contextLength, tokenizer: try CLIPTokenizer()), ids,
                       "tokenizer ids of \(config.prompt.texts)")
        let model = try MedVMADModel(config: config, clipWeights: weights, clipConfig: clipConfig, promptIds: ids)
        var params: [String: Tensor] = [:]
        for n in file.names where n.hasPrefix("params.") { params[String(n.dropFirst("params.".count))] = try file.tensor(n) }
        try model.params.load(params, path: url.path)
        XCTAssertEqual(model.prompts.eotIndices, FixtureMetadata.array(m["eot_index"]) as [Int]?)
        return Case(url: url, file: file, model: model)
    }

    /// Loaded once per test process (building the models dominates a test's time); tests that change
    /// parameters restore them.
    nonisolated(unsafe) static var loaded: [Case]?

    static func cases() throws -> [Case] {
        let files = Fixtures.files(named: "anomalyclip-reference.safetensors")
        XCTAssertFalse(files.isEmpty, "no anomalyclip-reference.safetensors found under \(Fixtures.roots.map(\.path))")
        for f in files { print("AnomalyCLIP parity: \(f.path)") }
        if let loaded { return loaded }
        let cases = try files.map { try load($0) }
        loaded = cases
        return cases
    }

    func testResizedPositionEmbeddingMatchesReference() throws {
        for c in try Self.cases() {
            let expected = try c.file.tensor("outputs.position_embedding")
            let g = c.model.config.imageSize / c.model.clip.config.vision.patchSize
            XCTAssertNotEqual(g, c.model.clip.config.vision.gridSize, "\(c.name): the fixture must exercise the resize")
            let got = c.model.clip.vision.positions(grid: g)
            // Four-tap bilinear weights on float32 inputs: rounding ~1e-7 of values below 1.
            assertClose(Tensor(shape: expected.shape, data: got), expected, "\(c.name) position embedding", atol: 1e-5)
        }
    }

    func testForwardMatchesReference() throws {
        for c in try Self.cases() {
            let f = c.file, name = c.name
            let text = c.model.textFeatures()
            // Embeddings after a float32 tower: the fixtures README's atol 1e-4 + rtol 1e-3.
            assertClose(text, try f.tensor("outputs.text_features"), "\(name) text_features", atol: 1e-4, rtol: 1e-3)
            let pixels = try f.tensor("inputs.pixel_values")
            let pass = try AnomalyCLIPPass(model: c.model, pixels: pixels, textFeatures: try f.tensor("outputs.text_features"))
            let b = pass.batch, p = pass.grid * pass.grid, e = c.model.clip.vision.projectionDim, s = pass.size
            for k in pass.tokens.indices {
                assertClose(pass.tokens[k].tensor([b, p, e]), try f.tensor("outputs.level.\(k).tokens"), "\(name) level \(k) tokens", atol: 1e-4, rtol: 1e-3)
                // Probabilities from cosines × 1/0.07: a 1e-6 cosine error moves a logit by ~1.4e-5 and a
                // probability by at most a quarter of that; 1e-4 leaves room for the token rounding above.
                assertClose(pass.heads[k].patch.tensor([b, p, 2]), try f.tensor("outputs.level.\(k).patch_probability"),
                            "\(name) level \(k) patch probability", atol: 1e-4)
                assertClose(pass.heads[k].probs.tensor([b, 2, s, s]), try f.tensor("outputs.level.\(k).probability"),
                            "\(name) level \(k) probability", atol: 1e-4)
            }
            // The global embedding is not normalised (values up to ~50): relative tolerance.
            assertClose(pass.global.tensor([b, e]), try f.tensor("outputs.global_embedding"), "\(name) global embedding", atol: 1e-4, rtol: 1e-3)
            // Logits are cosines × 14.3: the cosine tolerance scaled by the same factor.
            assertClose(pass.score.logits.tensor([b, 2]), try f.tensor("outputs.image_logits"), "\(name) image logits", atol: 1.5e-3)
            // Sum of three levels, each within 1e-4.
            assertClose(pass.summedMap().tensor([b, s, s]), try f.tensor("outputs.anomaly_map_unsmoothed"), "\(name) unsmoothed map", atol: 3e-4)

            let out = try c.model.forward(pixels: pixels, textFeatures: text, keepLevels: true)
            assertClose(out.anomalyMaps, try f.tensor("outputs.anomaly_map"), "\(name) anomaly_map", atol: 3e-4)
            // p(1 − p) ≤ ¼ times the logit tolerance.
            assertClose(Tensor(shape: [b], data: out.imageScores), try f.tensor("outputs.image_score"), "\(name) image_score", atol: 4e-4)
            XCTAssertEqual(out.levelProbabilities.count, c.model.config.featureLayers.count)
        }
    }

    func testLossesAndGradientsMatchReference() throws {
        for c in try Self.cases() {
            let f = c.file, name = c.name
            let grads = c.model.params.zerosLike()
            let losses = try c.model.lossAndGradients(pixels: try f.tensor("inputs.pixel_values"), masks: try f.tensor("inputs.masks"),
                                                      labels: try f.tensor("inputs.labels").data, grads: grads)
            // Losses are means of O(1) terms over ~2·10⁴ pixels: 1e-4 (README); the weighted sum and the
            // cross-entropy (from logits × 14.3) get proportionally more.
            for (k, l) in losses.levels.enumerated() {
                for (term, value) in [("focal", l.focal), ("dice_abnormal", l.diceAbnormal), ("dice_normal", l.diceNormal)] {
                    XCTAssertEqual(value, try f.tensor("outputs.loss.level.\(k).\(term)").data[0], accuracy: 1e-4, "\(name) loss level \(k) \(term)")
                }
            }
            XCTAssertEqual(losses.segmentation, try f.tensor("outputs.loss.local").data[0], accuracy: 2e-3, "\(name) weighted local loss")
            XCTAssertEqual(losses.image, try f.tensor("outputs.loss.image_ce").data[0], accuracy: 1e-3, "\(name) image cross-entropy")
            XCTAssertEqual(losses.total, try f.tensor("outputs.loss.total").data[0], accuracy: 3e-3, "\(name) total loss")
            for n in grads.names {
                let expected = try f.tensor("grads.\(n)")
                // Gradients: rtol 2e-3 against the tensor's max |value| (fixtures README).
                let scale = max(expected.data.map(abs).max() ?? 0, 1e-6)
                assertClose(grads[n].tensor(expected.shape), expected, "\(name) grad \(n)", atol: 2e-3 * scale)
            }
        }
    }

    func testThreeAdamStepsMatchReference() throws {
        for c in try Self.cases() {
            let f = c.file, name = c.name
            let t = c.model.config.training
            let saved = c.model.params.copy()
            defer { for n in saved.names { c.model.params[n].pointer.update(from: saved[n].pointer, count: saved[n].count) } }
            let adam = Adam(like: c.model.params, learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon)
            let expectedLosses = try f.tensor("adam.losses_before_each_step").data
            let pixels = try f.tensor("inputs.pixel_values"), masks = try f.tensor("inputs.masks"), labels = try f.tensor("inputs.labels").data
            for step in 0..<expectedLosses.count {
                let grads = c.model.params.zerosLike()
                let l = try c.model.lossAndGradients(pixels: pixels, masks: masks, labels: labels, grads: grads)
                // as the total loss above
                XCTAssertEqual(l.total, expectedLosses[step], accuracy: 3e-3, "\(name) loss before step \(step)")
                adam.update(c.model.params, grads: grads)
            }
            for n in c.model.params.names {
                let expected = try f.tensor("adam.params_after_3_steps.\(n)")
                let actual = c.model.params[n].array
                let g = try f.tensor("grads.\(n)").data
                let gmax = g.map(abs).max() ?? 0
                // Adam's step is lr·m̂/√v̂, nearly independent of |g|: elements whose gradient is tiny next to
                // the tensor's largest carry float32 rounding that is not small next to themselves, so
                // they are held to 1e-4 (a tenth of one lr step); all others to the README's 1e-5.
                for i in expected.data.indices {
                    let tol: Float = abs(g[i]) < 1e-3 * gmax ? 1e-4 : 1e-5
                    if abs(actual[i] - expected.data[i]) > tol {
                        XCTFail("\(name) params after Adam \(n) at \(Compare.unravel(i, expected.shape)): got \(actual[i]), expected \(expected.data[i])")
                        break
                    }
                }
            }
        }
    }

    /// `{"prompt_learner": state_dict}` as the public AnomalyCLIP code saves it imports to the fixture's parameters.
    func testPublicCheckpointLayoutImports() throws {
        var checked = 0
        for c in try Self.cases() {
            let pth = c.url.deletingLastPathComponent().appendingPathComponent("anomalyclip-layout.pth")
            guard FileManager.default.fileExists(atPath: pth.path) else { continue }
            print("AnomalyCLIP checkpoint import: \(pth.path)")
            let imported = c.model.params.zerosLike()
            try PublicCheckpointImport.load(path: pth.path, into: imported)
            for n in imported.names { XCTAssertEqual(imported[n].array, try c.file.tensor("params.\(n)").data, n) }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no anomalyclip-layout.pth next to a reference")
    }
}
