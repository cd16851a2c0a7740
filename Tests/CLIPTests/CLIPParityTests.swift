import Checkpoint
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import CLIP

/// Parity of both towers with the reference implementation, for every CLIP fixture set found.
final class CLIPParityTests: XCTestCase {
    // float32 against a float64 reference: the fixtures README suggests atol 1e-4 + rtol 1e-3.
    let atol: Float = 1e-4, rtol: Float = 1e-3

    private func sets() throws -> [URL] {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set found under \(Fixtures.roots.map(\.path))")
        return sets
    }

    private func assertClose(_ actual: Tensor, _ expected: Tensor, _ what: String, set: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, "\(set.lastPathComponent) \(what): shape", file: file, line: line)
        guard actual.shape == expected.shape else { return }
        if let m = Compare.allClose(actual.data, expected.data, shape: expected.shape, atol: atol, rtol: rtol) {
            XCTFail("\(set.path) \(what): \(m)", file: file, line: line)
        }
    }

    private func model(_ set: URL, file: String = "model.safetensors") throws -> CLIPModel {
        let config = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
        let weights = try CLIPWeights.load(from: try SafetensorsFile(path: set.appendingPathComponent(file).path), config: config)
        return CLIPModel(weights: weights, config: config)
    }

    func testVisionTowerMatchesReferenceAtEveryLayer() throws {
        for set in try sets() {
            print("CLIP parity (vision): \(set.path)")
            let ref = try SafetensorsFile(path: set.appendingPathComponent("reference.safetensors").path)
            let clip = try model(set)
            let layers = clip.config.vision.layers
            let out = try clip.vision.forward(pixels: try ref.tensor("pixel_values"), keepLayers: Set(0...layers))
            for i in 0...layers {
                assertClose(out.hiddenStates[i]!, try ref.tensor("vision.hidden_states.\(i)"), "vision.hidden_states.\(i)", set: set)
                let name = "vision.projected_tokens.\(i)"
                if ref.entry(name) != nil {
                    assertClose(clip.vision.projectTokens(out.hiddenStates[i]!), try ref.tensor(name), name, set: set)
                }
            }
            assertClose(out.imageEmbeds, try ref.tensor("image_embeds"), "image_embeds", set: set)
        }
    }

    func testPositionInterpolationForLargerImages() throws {
        for set in try sets() {
            print("CLIP parity (interpolated positions): \(set.path)")
            let ref = try SafetensorsFile(path: set.appendingPathComponent("reference.safetensors").path)
            let clip = try model(set)
            let out = try clip.vision.forward(pixels: try ref.tensor("pixel_values_large"))
            assertClose(out.lastHiddenState, try ref.tensor("vision_large.last_hidden_state"), "vision_large.last_hidden_state", set: set)
        }
    }

    func testTextTowerAndLogitsMatchReference() throws {
        for set in try sets() {
            print("CLIP parity (text): \(set.path)")
            let ref = try SafetensorsFile(path: set.appendingPathComponent("reference.safetensors").path)
            let clip = try model(set)
            let (shape, flat) = try ref.integers("input_ids")
            let ids = (0..<shape[0]).map { Array(flat[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
            let out = try clip.text.forward(ids: ids)
            assertClose(out.lastHiddenState, try ref.tensor("text.last_hidden_state"), "text.last_hidden_state", set: set)
            assertClose(out.textEmbeds, try ref.tensor("text_embeds"), "text_embeds", set: set)
            let image = try clip.vision.forward(pixels: try ref.tensor("pixel_values")).imageEmbeds
            let scale = try XCTUnwrap(clip.logitScale, "model.safetensors has logit_scale")
            // Logits are cosines × 100: the absolute tolerance scales with them.
            let logits = clip.logits(imageEmbeds: image, textEmbeds: out.textEmbeds, logitScale: scale)
            let expected = try ref.tensor("logits_per_image")
            if let m = Compare.allClose(logits.data, expected.data, shape: expected.shape, atol: atol * expf(scale), rtol: rtol) {
                XCTFail("\(set.path) logits_per_image: \(m)")
            }
        }
    }

    func testBothNamingSchemesLoadTheSameWeights() throws {
        for set in try sets() {
            let openai = set.appendingPathComponent("model-openai-names.safetensors")
            guard FileManager.default.fileExists(atPath: openai.path) else { continue }
            print("CLIP naming schemes: \(set.path)")
            let config = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
            let hf = try CLIPWeights.load(from: try SafetensorsFile(path: set.appendingPathComponent("model.safetensors").path), config: config)
            let oa = try CLIPWeights.load(from: try SafetensorsFile(path: openai.path), config: config)
            let a = Dictionary(uniqueKeysWithValues: hf.huggingFaceTensors().map { ($0.name, $0.tensor) })
            let b = Dictionary(uniqueKeysWithValues: oa.huggingFaceTensors().map { ($0.name, $0.tensor) })
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            for (name, t) in a { XCTAssertEqual(t, b[name], "tensor \(name) differs between the naming schemes") }
        }
    }

    func testStrictLoadingNamesTheOffendingTensor() throws {
        let set = try XCTUnwrap(try sets().first)
        let config = try CLIPConfig.load(huggingFaceConfig: set.appendingPathComponent("config.json").path)
        let file = try SafetensorsFile(path: set.appendingPathComponent("model.safetensors").path)
        var all = [String: Tensor]()
        for n in file.names { all[n] = try file.tensor(n) }

        var missing = all
        missing["vision_model.encoder.layers.0.mlp.fc1.bias"] = nil
        XCTAssertThrowsError(try CLIPWeights.load(from: DictionaryTensorProvider(sourcePath: "m.safetensors", tensors: missing), config: config)) {
            XCTAssertEqual($0 as? CLIPError, .missingTensor(path: "m.safetensors", name: "vision_model.encoder.layers.0.mlp.fc1.bias"))
        }
        var extra = all
        extra["vision_model.encoder.layers.99.mlp.fc1.bias"] = Tensor(zeros: [4])
        XCTAssertThrowsError(try CLIPWeights.load(from: DictionaryTensorProvider(sourcePath: "m.safetensors", tensors: extra), config: config)) {
            XCTAssertEqual($0 as? CLIPError, .unexpectedTensors(path: "m.safetensors", names: ["vision_model.encoder.layers.99.mlp.fc1.bias"]))
        }
        var wrong = all
        wrong["text_projection.weight"] = Tensor(zeros: [3, 3])
        XCTAssertThrowsError(try CLIPWeights.load(from: DictionaryTensorProvider(sourcePath: "m.safetensors", tensors: wrong), config: config)) {
            guard case .shapeMismatch(_, "text_projection.weight", _, [3, 3]) = $0 as? CLIPError else { return XCTFail("\($0)") }
        }
    }
}
