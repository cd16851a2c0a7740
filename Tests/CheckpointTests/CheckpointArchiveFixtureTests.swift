import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import Checkpoint

/// Loads every PyTorch-format file of each CLIP fixture set and compares it with the safetensors
/// files holding the same weights.
final class CheckpointArchiveFixtureTests: XCTestCase {
    private func sets() -> [URL] {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set under \(Fixtures.roots.map(\.path))")
        return sets
    }

    /// Opens `file` in `dir` and the safetensors `reference`, checks that both hold exactly the same
    /// names and shapes, and returns them for value comparison.
    private func pair(_ dir: URL, _ file: String, _ reference: String) throws -> (LoadedCheckpoint, SafetensorsFile)? {
        let path = dir.appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("fixture set \(dir.path) lacks \(file)")
            return nil
        }
        print("checked fixture: \(path)")
        let loaded = try CheckpointArchive.open(path: path)
        let expected = try SafetensorsFile(path: dir.appendingPathComponent(reference).path)
        XCTAssertEqual(Set(loaded.names), Set(expected.names), "\(file) vs \(reference): names differ")
        XCTAssertEqual(loaded.names.count, expected.names.count)
        for name in expected.names {
            guard let e = loaded.entry(name) else { continue }
            XCTAssertEqual(e.shape, expected.entry(name)?.shape, "\(file): shape of \(name)")
        }
        return (loaded, expected)
    }

    /// Both files hold the same float32 values, so equality must be exact.
    private func assertIdentical(_ file: String, _ reference: String) throws {
        for dir in sets() {
            guard let (loaded, expected) = try pair(dir, file, reference) else { continue }
            XCTAssertEqual(loaded.format, .torchZip)
            for name in expected.names {
                XCTAssertEqual(try loaded.tensor(name), try expected.tensor(name), "\(file): \(name)")
            }
        }
    }

    func testStateDictLoadsExactlyTheOpenAINamedWeights() throws {
        try assertIdentical("state-dict.pt", "model-openai-names.safetensors")
    }

    func testPytorchModelBinLoadsExactlyTheHuggingFaceWeights() throws {
        try assertIdentical("pytorch_model.bin", "model.safetensors")
    }

    func testTorchScriptArchiveLoadsTheOpenAIWeightsWithinFloat16Rounding() throws {
        for dir in sets() {
            guard let (loaded, expected) = try pair(dir, "openai-jit.pt", "model-openai-names.safetensors") else { continue }
            XCTAssertEqual(loaded.format, .torchScript)
            // The archive stores matrices as float16 (as OpenAI's release does); make sure that path
            // is exercised, and that other tensors stayed float32.
            let halves = loaded.entries.filter { $0.dtype == .float16 }
            XCTAssertFalse(halves.isEmpty, "openai-jit.pt holds no float16 tensor")
            XCTAssertTrue(loaded.entries.contains { $0.dtype == .float32 })
            for name in expected.names {
                let got = try loaded.tensor(name), want = try expected.tensor(name)
                XCTAssertEqual(got.shape, want.shape, name)
                guard got.shape == want.shape else { continue }
                // Rounding float32 to float16 (round to nearest) changes a normal value by at most half
                // an ulp, 2^-11·|x|; below 2^-14 float16 is subnormal with spacing 2^-24, so the absolute
                // error there is at most 2^-25. float32 tensors must match exactly, which this also allows.
                if let m = Compare.allClose(got.data, want.data, shape: got.shape, atol: 0x1p-25, rtol: 0x1p-11) {
                    XCTFail("openai-jit.pt: \(name): \(m)")
                }
                if loaded.entry(name)?.dtype == .float32 {
                    XCTAssertEqual(got, want, "float32 tensor \(name) should be exact")
                }
            }
            // OpenAI's released archives carry input_resolution, context_length and vocab_size; when
            // present they are integers reported as scalars, never as tensors.
            for key in TorchArchive.scriptMetadataNames {
                XCTAssertNil(loaded.entry(key), "\(key) must not be a tensor")
                if let s = loaded.scalars[key] { XCTAssertNotNil(s.intValue, "\(key) = \(s)") }
            }
            print("openai-jit.pt scalars: \(loaded.scalars)")
        }
    }

    func testMedVMADTrainingCheckpointExposesItsNestedKeys() throws {
        for dir in sets() {
            let path = dir.appendingPathComponent("medvmad-seed-layout.pth").path
            let paperPath = dir.appendingPathComponent("medvmad-paper.safetensors").path
            guard FileManager.default.fileExists(atPath: path), FileManager.default.fileExists(atPath: paperPath) else {
                XCTFail("fixture set \(dir.path) lacks medvmad-seed-layout.pth or medvmad-paper.safetensors")
                continue
            }
            print("checked fixture: \(path)")
            let ckpt = try CheckpointArchive.open(path: path)
            let paper = try SafetensorsFile(path: paperPath)
            XCTAssertEqual(ckpt.format, .torchZip)

            // The public code's layout (what the fixture script saved): prompt contexts gain two leading
            // unit dimensions; deep prompts and adapters keep their shapes under other names.
            var mapping: [(String, String)] = [
                ("prompt_learner.ctx_pos", "params.prompt.ctx_normal"),
                ("prompt_learner.ctx_neg", "params.prompt.ctx_abnormal"),
            ]
            for name in paper.names {
                let parts = name.split(separator: ".").map(String.init)
                if name.hasPrefix("params.prompt.deep.") {
                    mapping.append(("prompt_learner.compound_prompts_text.\(parts[3])", name))
                } else if name.hasPrefix("params.adapters.") {
                    // params.adapters.{seg,det}.k.fcN.weight → {seg,det}_adapters.k.fcN.0.weight
                    mapping.append(("\(parts[2])_adapters.\(parts[3]).\(parts[4]).0.weight", name))
                }
            }
            XCTAssertEqual(Set(ckpt.names), Set(mapping.map(\.0)), "checkpoint names")
            for (key, reference) in mapping {
                let want = try paper.tensor(reference)
                let got = try ckpt.tensor(key)
                let expectedShape = key.hasPrefix("prompt_learner.ctx_") ? [1, 1] + want.shape : want.shape
                XCTAssertEqual(got.shape, expectedShape, key)
                if got.count == want.count { XCTAssertEqual(got.data, want.data, "\(key) vs \(reference)") }
            }
        }
    }

    func testSafetensorsOpenThroughTheSameAPI() throws {
        for dir in sets() {
            let path = dir.appendingPathComponent("model.safetensors").path
            print("checked fixture: \(path)")
            let loaded = try CheckpointArchive.open(path: path)
            let direct = try SafetensorsFile(path: path)
            XCTAssertEqual(loaded.format, .safetensors)
            XCTAssertEqual(loaded.names, direct.names)
            let name = try XCTUnwrap(direct.names.first)
            XCTAssertEqual(try loaded.tensor(name), try direct.tensor(name))
        }
    }
}
