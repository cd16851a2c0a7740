import CLIP
import Checkpoint
import Foundation
import XCTest
@testable import MedVMAD

/// Loading a model folder checks that the CLIP weights are the ones it was trained on. The SHA-256
/// runs on its own thread while the weights load; these tests hold the checks to what they were when
/// the hash ran first: altered weights are refused, named by file and hash, whatever else breaks.
final class ModelFolderLoadingTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "medvmad-folder-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(root)/clip", withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: "\(TinyTraining.clipPath)/\(name)", toPath: "\(root)/clip/\(name)")
        }
        let clip = try CLIPCheckpoint.load(path: "\(root)/clip")
        let model = try TinyTraining.model(profile: .medvmad, clip: clip, epochs: 1, learningRate: 1e-3)
        try model.save(modelDirectory: "\(root)/model", manifest: try TinyTraining.manifest(name: "m", model: model, clip: clip, data: root))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    var weightsFile: String { "\(root)/clip/model.safetensors" }

    /// Overwrites `bytes.count` bytes at `offset` (negative: from the end), keeping the size.
    func overwrite(at offset: Int, with bytes: [UInt8]) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: weightsFile))
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: UInt64(offset >= 0 ? offset : size + offset))
        try handle.write(contentsOf: Data(bytes))
    }

    func assertRefusedByHash(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try MedVMADInference.load(modelDirectory: "\(root)/model"), file: file, line: line) { error in
            guard case MedVMADError.weightsMismatch(let path, let reason) = error else {
                return XCTFail("expected weightsMismatch, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(path.hasSuffix("clip/model.safetensors"), path, file: file, line: line)
            XCTAssertTrue(reason.contains("SHA-256"), reason, file: file, line: line)
        }
    }

    func testUnalteredWeightsLoad() throws {
        let inference = try MedVMADInference.load(modelDirectory: "\(root)/model")
        XCTAssertEqual(inference.manifest.clip.sha256, try FileDigest.sha256(path: weightsFile))
    }

    /// One changed value deep in the tensor data: every shape still checks out, only the hash can tell.
    func testAlteredTensorDataIsRefused() throws {
        try overwrite(at: -9, with: [0x42, 0x42, 0x42, 0x42])
        assertRefusedByHash()
    }

    /// A broken header makes the reader fail too; the error still says the weights are not the
    /// recorded ones, as it did when the hash was checked before reading.
    func testBrokenHeaderIsReportedAsAHashMismatch() throws {
        try overwrite(at: 8, with: Array("{garbage".utf8))
        assertRefusedByHash()
    }

    /// The hash from the mapping equals OpenSSL's one-shot digest of the bytes read into memory
    /// (a different code path), and the background hash gives the same.
    func testMappedHashMatchesOneShotDigest() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: weightsFile))
        let mapped = try FileDigest.sha256(path: weightsFile)
        XCTAssertEqual(mapped, FileDigest.sha256(data))
        XCTAssertEqual(try FileDigest.sha256InBackground(path: weightsFile).wait(), mapped)
        let empty = "\(root)/empty"
        FileManager.default.createFile(atPath: empty, contents: Data())
        XCTAssertEqual(try FileDigest.sha256(path: empty), FileDigest.sha256(Data()))
        XCTAssertThrowsError(try FileDigest.sha256InBackground(path: "\(root)/missing").wait())
    }
}
