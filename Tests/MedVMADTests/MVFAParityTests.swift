import CLIP
import Checkpoint
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import MedVMAD

/// Parity of the `mvfa` profile with the PyTorch reference (`scripts/reference/mvfa_textonly_reference.py`):
/// antialiased-bicubic positions at a non-native size, the fixed prompt ensemble, forward, losses,
/// gradients and Adam steps, for every `mvfa-reference.safetensors` found under the fixture roots.
final class MVFAParityTests: XCTestCase {
    struct Case {
        let name: String
        let file: SafetensorsFile
        let model: MedVMADModel
    }

    /// The CLIP fixture set a baseline reference was computed on: named in its metadata and checked by hash.
    static func clipSet(for file: SafetensorsFile) throws -> URL {
        let m = file.metadata
        let sets = Fixtures.clipSets.filter { $0.lastPathComponent == m["clip_set"] }
        for set in sets where (try? FileDigest.sha256(path: set.appendingPathComponent("model.safetensors").path)) == m["clip_model_sha256"] {
            return set
        }
        throw XCTSkip("no CLIP fixture set '\(m["clip_set"] ?? "?")' with the recorded weights for \(file.path)")
    }

    static func load(_ url: URL) throws -> Case {
        let file = try SafetensorsFile(path: url.path)
        let m = file.metadata
        let set = try clipSet(for: file)
        let clipConfig = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
        let weights = try CLIPWeights.load(from: try SafetensorsFile(path: set.appendingPathComponent("model.safetensors").path), config: clipConfig)
        var config = MedVMADConfig.Profile.mvfa.config(clip: clipConfig, className: try XCTUnwrap(m["class_name"]))
        config.featureLayers = try XCTUnwrap(FixtureMetadata.array(m["feature_layers"]) as [Int]?)
        config.imageSize = try XCTUnwrap(m["image_size"].flatMap(Int.init))
        config.adapters!.mix = try XCTUnwrap((FixtureMetadata.array(m["adapter_mix"]) as [Double]?)?.map(Float.init))
        config.adapters!.leakySlope = Float(try XCTUnwrap(m["leaky_slope"].flatMap(Double.init)))
        config.logitScale = Float(try XCTUnwrap(m["logit_scale"].flatMap(Double.init)))
        config.training.learningRate = Float(try XCTUnwrap(m["learning_rate"].flatMap(Double.init)))
        let ensemble = PromptEnsemble(normalStates: try XCTUnwrap(FixtureMetadata.array(m["normal_states"])), abnormalStates: try XCTUnwrap(FixtureMetadata.array(m["abnormal_states"])),
                                      templates: try XCTUnwrap(FixtureMetadata.array(m["templates"])))
        // The reference uses MVFA's strings; the profile must carry exactly these, in this order.
        XCTAssertEqual(ensemble, config.promptEnsemble, "the profile's prompt ensemble differs from the reference's")
        XCTAssertEqual(ensemble.templates.count, 35)
        config.promptEnsemble = ensemble
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clipConfig.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: weights, clipConfig: clipConfig, promptIds: ids)
        var params: [String: Tensor] = [:]
        for n in file.names where n.hasPrefix("params.") { params[String(n.dropFirst("params.".count))] = try file.tensor(n) }
        try model.params.load(params, path: url.path)
        return Case(name: set.lastPathComponent + " → " + url.lastPathComponent, file: file, model: model)
    }

    /// Built once per test run: the fixed ensemble encodes 420 sentences when a model is made.
    nonisolated(unsafe) static var cached: [Case]?

    static func cases() throws -> [Case] {
        if let cached { return cached }
        let files = Fixtures.files(named: "mvfa-reference.safetensors")
        XCTAssertFalse(files.isEmpty, "no mvfa-reference.safetensors under \(Fixtures.roots.map(\.path))")
        let made = try files.map {
            print("MVFA parity: \($0.path)")
            return try load($0)
        }
        cached = made
        return made
    }

    func testPositionsAreResizedWithAntialiasedBicubic() throws {
        for c in try Self.cases() {
            let expected = try c.file.tensor("inputs.position_embedding")
            let v = c.model.clip.vision
            let g = c.model.config.imageSize / v.config.patchSize
            XCTAssertNotEqual(g, v.config.gridSize, "\(c.name): the fixture must use a non-native grid")
            // A linear map of float32 positions (|value| ≲ 0.1) evaluated in double: float32 rounding only.
            assertClose(Tensor(shape: expected.shape, data: v.positions(grid: g)), expected, "\(c.name) positions", atol: 1e-6)
            // The non-antialiased kernel (a = −0.75, no stretched support) must not pass: the test can fail.
            let plain = PositionEmbeddingResize.bicubic.resize(v.positions(grid: v.config.gridSize), width: v.width, from: v.config.gridSize, to: g)
            XCTAssertGreaterThan(Compare.maxAbsDiff(plain, expected.data), 1e-4, "\(c.name): plain bicubic should differ from the antialiased reference")
        }
    }

    func testForwardMatchesReference() throws {
        for c in try Self.cases() {
            let f = c.file
            let text = c.model.textFeatures()
            // Text features: a mean of 245 / 175 unit vectors, README tolerance for embeddings.
            assertClose(text, try f.tensor("outputs.text_features"), "\(c.name) text_features", atol: 1e-4, rtol: 1e-3)
            let out = try c.model.forward(pixels: try f.tensor("inputs.pixel_values"), textFeatures: text, keepLevels: true)
            for k in out.levelProbabilities.indices {
                assertClose(out.segTokens[k], try f.tensor("outputs.level.\(k).seg_tokens"), "\(c.name) level \(k) seg_tokens", atol: 1e-4, rtol: 1e-3)
                assertClose(out.detTokens[k], try f.tensor("outputs.level.\(k).det_tokens"), "\(c.name) level \(k) det_tokens", atol: 1e-4, rtol: 1e-3)
                // Logit scale 100 multiplies float32 cosine rounding (~1e-6) by 100; p(1−p) ≤ ¼ of that reaches the
                // probabilities: 1e-4 leaves a margin of ~4.
                assertClose(out.levelProbabilities[k], try f.tensor("outputs.level.\(k).probability"), "\(c.name) level \(k) probability", atol: 2e-4)
                assertClose(Tensor(shape: [out.levelScores[k].count], data: out.levelScores[k]), try f.tensor("outputs.level.\(k).image_score"),
                            "\(c.name) level \(k) image_score", atol: 1e-4)
            }
            // No smoothing: the map is the plain sum of the levels' probabilities.
            assertClose(out.anomalyMaps, try f.tensor("outputs.anomaly_map"), "\(c.name) anomaly_map", atol: 4e-4)
            assertClose(Tensor(shape: [out.imageScores.count], data: out.imageScores), try f.tensor("outputs.image_score"), "\(c.name) image_score", atol: 2e-4)
        }
    }

    func testLossesAndGradientsMatchReference() throws {
        for c in try Self.cases() {
            let f = c.file
            let grads = c.model.params.zerosLike()
            let losses = try c.model.lossAndGradients(pixels: try f.tensor("inputs.pixel_values"), masks: try f.tensor("inputs.masks"),
                                                      labels: try f.tensor("inputs.labels").data, grads: grads)
            XCTAssertEqual(grads.names.filter { $0.hasPrefix("prompt.") }, [], "mvfa trains adapters only")
            for (k, l) in losses.levels.enumerated() {
                for (term, value) in [("focal", l.focal), ("dice_abnormal", l.diceAbnormal), ("bce", l.bce)] {
                    XCTAssertEqual(value, try f.tensor("outputs.loss.level.\(k).\(term)").data[0], accuracy: 1e-4, "\(c.name) loss level \(k) \(term)")
                }
                XCTAssertEqual(l.diceNormal, 0, "\(c.name): mvfa has no Dice on the normal channel")
            }
            XCTAssertEqual(losses.total, try f.tensor("outputs.loss.total").data[0], accuracy: 2e-4, "\(c.name) total loss")
            for n in grads.names {
                let expected = try f.tensor("grads.\(n)")
                // Gradients: rtol 2e-3 of the tensor's max |value| (fixtures README), floored for all-zero tensors.
                let scale = max(expected.data.map(abs).max() ?? 0, 1e-6)
                assertClose(grads[n].tensor(expected.shape), expected, "\(c.name) grad \(n)", atol: 2e-3 * scale)
            }
        }
    }

    func testThreeAdamStepsMatchReference() throws {
        // Adam changes the parameters: start from a fresh copy of the cached models.
        for c in try Self.cases().map({ try Self.load(URL(fileURLWithPath: $0.file.path)) }) {
            let f = c.file, t = c.model.config.training
            XCTAssertEqual(t.learningRate, 1e-4)
            let adam = Adam(like: c.model.params, learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon)
            let expectedLosses = try f.tensor("adam.losses_before_each_step").data
            let pixels = try f.tensor("inputs.pixel_values"), masks = try f.tensor("inputs.masks"), labels = try f.tensor("inputs.labels").data
            for step in expectedLosses.indices {
                let grads = c.model.params.zerosLike()
                let l = try c.model.lossAndGradients(pixels: pixels, masks: masks, labels: labels, grads: grads)
                XCTAssertEqual(l.total, expectedLosses[step], accuracy: 2e-4, "\(c.name) loss before step \(step)")
                adam.update(c.model.params, grads: grads)
            }
            for n in c.model.params.names {
                let expected = try f.tensor("adam.params_after_3_steps.\(n)"), g = try f.tensor("grads.\(n)").data
                let gmax = g.map(abs).max() ?? 0, actual = c.model.params[n].array
                // An Adam step is ≈ lr per element whatever the gradient's size, so elements whose gradient is
                // within float32 rounding of zero (< 1e-3 of the tensor's max) may step differently: held to
                // lr (one step); the rest to lr/10.
                for i in expected.data.indices {
                    let tol = abs(g[i]) < 1e-3 * gmax ? t.learningRate : t.learningRate / 10
                    if abs(actual[i] - expected.data[i]) > tol {
                        XCTFail("\(c.name) params after Adam \(n) at \(Compare.unravel(i, expected.shape)): got \(actual[i]), expected \(expected.data[i])")
                        break
                    }
                }
            }
        }
    }

    /// Few-shot mode against the reference: augmented views (PyTorch `affine_grid` + `grid_sample` with
    /// reflection), memory-bank distance maps, and the min–max fusion over the fixture's images.
    func testFewShotMatchesReference() throws {
        for c in try Self.cases() {
            let f = c.file
            guard f.names.contains("fewshot.maps") else { throw XCTSkip("\(c.name) has no few-shot reference") }
            let support = try f.tensor("fewshot.support"), pixels = try f.tensor("inputs.pixel_values")
            // Bilinear sampling of values in [0, 1.4]: float32 rounding of the sampling weights only.
            assertClose(MVFAFewShotMemory.augment(support), try f.tensor("fewshot.views"), "\(c.name) augmented views", atol: 1e-5)
            let memory = try MVFAFewShotMemory(model: c.model, supports: support)
            // Distances 1 − cos from float32 unit vectors, summed over levels: 1e-4 as for the maps.
            assertClose(try memory.maps(pixels: pixels), try f.tensor("fewshot.maps"), "\(c.name) few-shot maps", atol: 1e-4)
            let fusion = try MVFAFewShotFusion.measure(memory: memory, count: 1) { _ in pixels }
            let zero = try c.model.forward(pixels: pixels, textFeatures: c.model.textFeatures()).anomalyMaps
            let fused = try fusion.fuse(pixels: pixels, zeroShotMaps: zero)
            let expected = try f.tensor("fewshot.fused_maps")
            // Min–max rescaling divides by the ranges (≳ 0.1 here): 1e-3 covers the maps' 1e-4.
            assertClose(Tensor(shape: expected.shape, data: fused.maps), expected, "\(c.name) fused maps", atol: 1e-3)
            assertClose(Tensor(shape: [fused.scores.count], data: fused.scores), try f.tensor("fewshot.scores"), "\(c.name) few-shot scores", atol: 1e-3)
        }
    }

    /// MVFA's `{"seg_adapters", "det_adapters"}` checkpoint layout imports to the reference adapters.
    func testPublicLayoutImports() throws {
        var checked = 0
        for url in Fixtures.files(named: "mvfa-reference.safetensors") {
            let pth = url.deletingLastPathComponent().appendingPathComponent("mvfa-layout.pth")
            guard FileManager.default.fileExists(atPath: pth.path) else { continue }
            print("MVFA checkpoint import: \(pth.path)")
            let c = try Self.load(url)
            let imported = c.model.params.zerosLike()
            try PublicCheckpointImport.load(path: pth.path, into: imported)
            for n in imported.names { XCTAssertEqual(imported[n].array, c.model.params[n].array, n) }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no mvfa-layout.pth next to an mvfa reference")
    }
}
