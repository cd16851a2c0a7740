import Foundation
import XCTest
@testable import Checkpoint

/// Opt-in: set `MEDVMAD_LARGE_CHECKPOINT` to a real archive (e.g. OpenAI's ViT-L-14-336px.pt) to
/// open it and decode every tensor, printing the time taken. Skipped otherwise, being slow.
final class LargeCheckpointTests: XCTestCase {
    func testLargeCheckpointDecodesEveryTensor() throws {
        guard let path = ProcessInfo.processInfo.environment["MEDVMAD_LARGE_CHECKPOINT"], !path.isEmpty else {
            throw XCTSkip("set MEDVMAD_LARGE_CHECKPOINT to run")
        }
        var start = Date()
        let ckpt = try CheckpointArchive.open(path: path)
        print("\(path): \(ckpt.format), \(ckpt.entries.count) tensors, scalars \(ckpt.scalars), opened in \(Date().timeIntervalSince(start)) s")
        start = Date()
        var values = 0
        for e in ckpt.entries {
            let t = try ckpt.tensor(e.name)
            XCTAssertEqual(t.shape, e.shape)
            values += t.count
        }
        print("decoded \(values) values in \(Date().timeIntervalSince(start)) s")
    }
}
