import Foundation
import XCTest
@testable import Checkpoint

/// The safetensors header length is untrusted: it is checked before anything is allocated for it.
final class SafetensorsLimitTests: XCTestCase {
    private func write(headerLength: UInt64, body: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-\(UUID().uuidString).safetensors").path
        let bytes = (0..<8).map { UInt8((headerLength >> (8 * UInt64($0))) & 0xFF) } + body
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testOversizedHeaderIsAResourceLimitNamingTheFile() throws {
        // A header one byte over the cap, in a file too short for it: the cap is reported, not a parse error.
        let over = UInt64(SafetensorsFile.maxHeaderBytes) + 1
        let path = try write(headerLength: over, body: Array("{}".utf8))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { error in
            guard case CheckpointError.resourceLimit(let p, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(reason.contains("\(over)"), reason)
        }
    }

    func testHeaderLengthBeyondIntRangeIsRefusedNotTrapped() throws {
        // 0xFFFF_FFFF_FFFF_FFFF does not fit an Int; converting it unchecked would trap.
        let path = try write(headerLength: .max, body: Array("{}".utf8))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { error in
            guard case CheckpointError.resourceLimit(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }

    func testHeaderWithinTheCapButPastTheEndIsCorrupt() throws {
        let path = try write(headerLength: 1000, body: Array("{}".utf8))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { error in
            guard case CheckpointError.corrupt(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }
}
