import Checkpoint
import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import CLIP

/// Every checkpoint format of every CLIP fixture set loads, through `CLIPCheckpoint`, to the same model.
final class CLIPCheckpointTests: XCTestCase {
    func tensors(_ w: CLIPWeights) -> [String: Tensor] { Dictionary(uniqueKeysWithValues: w.huggingFaceTensors().map { ($0.name, $0.tensor) }) }

    func testEveryFormatLoadsTheSameWeights() throws {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set found")
        for set in sets {
            let reference = tensors(try CLIPCheckpoint.load(path: set.path).weights)
            for (file, float16) in [("state-dict.pt", false), ("pytorch_model.bin", false), ("openai-jit.pt", true), ("model-openai-names.safetensors", false)] {
                let path = set.appendingPathComponent(file).path
                guard FileManager.default.fileExists(atPath: path) else { continue }
                print("CLIP checkpoint format: \(path)")
                let ckpt = try CLIPCheckpoint.load(path: path)
                XCTAssertTrue(ckpt.configSource.hasPrefix("config.json"), ckpt.configSource)
                let got = tensors(ckpt.weights)
                XCTAssertEqual(Set(got.keys), Set(reference.keys), file)
                for (name, t) in reference {
                    guard let g = got[name] else { continue }
                    if float16 {
                        // float16 storage: half a unit in the last place, 2^-11 relative (2^-25 absolute near zero).
                        for i in t.data.indices where abs(g.data[i] - t.data[i]) > abs(t.data[i]) * 0x1p-11 + 0x1p-25 {
                            XCTFail("\(file) \(name)[\(i)]: \(g.data[i]) vs \(t.data[i]) beyond float16 rounding")
                            break
                        }
                    } else {
                        XCTAssertEqual(g, t, "\(file) \(name)")
                    }
                }
            }
        }
    }

    func testConvertedFolderRoundTrips() throws {
        let set = try XCTUnwrap(Fixtures.clipSets.first)
        let ckpt = try CLIPCheckpoint.load(path: set.appendingPathComponent("state-dict.pt").path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-convert-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: ckpt.config.huggingFaceJSON)
        try json.write(to: URL(fileURLWithPath: dir + "/config.json"))
        try SafetensorsWriter.write(ckpt.weights.huggingFaceTensors(), to: dir + "/model.safetensors")
        let back = try CLIPCheckpoint.load(path: dir)
        XCTAssertEqual(back.config, ckpt.config)
        XCTAssertEqual(back.format, .safetensors)
        XCTAssertEqual(tensors(back.weights).count, tensors(ckpt.weights).count)
        for (n, t) in tensors(ckpt.weights) { XCTAssertEqual(tensors(back.weights)[n], t, n) }
    }

    func testFileWithoutConfigNeedsAPreset() throws {
        let set = try XCTUnwrap(Fixtures.clipSets.first)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-noconfig-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: set.appendingPathComponent("model.safetensors").path, toPath: dir + "/weights.safetensors")
        XCTAssertThrowsError(try CLIPCheckpoint.load(path: dir + "/weights.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("--preset"), "\(error)")
        }
        // A preset whose shapes do not fit is refused with the offending tensor named, never adapted.
        XCTAssertThrowsError(try CLIPCheckpoint.load(path: dir + "/weights.safetensors", preset: .vitB32)) { error in
            guard case CLIPError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }
}
