import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import Checkpoint

final class SafetensorsTests: XCTestCase {
    private func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-\(UUID().uuidString)-\(name)").path
    }

    func testRoundTripKeepsValuesShapesAndMetadata() throws {
        let path = tempPath("rt.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = Tensor(shape: [2, 3], data: [1, -2, 3.5, 4, 5, 6])
        let b = Tensor(shape: [4], data: [0.25, 0, -1, 1e-7])
        try SafetensorsWriter.write([("a", a), ("b.c", b)], metadata: ["k": "v"], to: path)
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.names, ["a", "b.c"])
        XCTAssertEqual(try f.tensor("a"), a)
        XCTAssertEqual(try f.tensor("b.c"), b)
        XCTAssertEqual(f.metadata["k"], "v")
        XCTAssertThrowsError(try f.tensor("zzz")) { XCTAssertTrue("\($0)".contains("zzz")) }
    }

    func testTruncatedFileIsACorruptError() throws {
        let path = tempPath("trunc.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafetensorsWriter.write([("a", Tensor(zeros: [64]))], to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { error in
            guard case CheckpointError.corrupt(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }

    func testFixtureReferenceFilesOpen() throws {
        let files = Fixtures.files(named: "reference.safetensors")
        XCTAssertFalse(files.isEmpty, "no reference.safetensors found under \(Fixtures.roots.map(\.path))")
        for url in files {
            print("checked fixture: \(url.path)")
            let f = try SafetensorsFile(path: url.path)
            XCTAssertFalse(f.names.isEmpty)
            for name in f.names { _ = try f.tensor(name) }
        }
    }
}
