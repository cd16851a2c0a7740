import FixtureSupport
import Foundation
import MedIO
import XCTest
@testable import Synthesis

final class BreastTomosynthesisTests: XCTestCase {
    static let small = BreastPhantomOptions(seed: 5, rows: 64, columns: 80, frames: 12)

    /// Lines of dciodvfy's report that start with "Error".
    static func dciodvfyErrors(_ path: String) throws -> [String] {
        let tool = ["/usr/bin/dciodvfy", "/usr/local/bin/dciodvfy"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { throw XCTSkip("dciodvfy (dicom3tools) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertTrue(output.contains("BreastTomosynthesisImage"), "dciodvfy did not recognise the IOD:\n\(output)")
        return output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error") }
    }

    /// Loads `folder` through the project's reader and checks it is one volume on the phantom's grid.
    static func checkLoads(folder: String, options o: BreastPhantomOptions, expected: BreastPhantom?) throws {
        let scan = try DicomScan.scan(root: folder)
        XCTAssertEqual(scan.series.count, 1, "skipped: \(scan.skipped)")
        let outcomes = scan.loadAll()
        XCTAssertEqual(outcomes.count, 1)
        let volume = try XCTUnwrap(outcomes.first).result.get()
        XCTAssertEqual(volume.size, [o.columns, o.rows, o.frames])
        XCTAssertEqual(volume.modality, "MG")
        for (a, b) in zip(volume.spacing, [o.pixelSpacing, o.pixelSpacing, o.sliceThickness]) {
            XCTAssertEqual(a, b, accuracy: 1e-9)  // written as short decimal strings, read back exactly
        }
        let affine = BreastTomosynthesisWriter.indexToPatient(o)
        for (a, b) in zip(volume.indexToPatient, affine) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        if let expected {
            XCTAssertEqual(volume.voxels, expected.voxels.map(Float.init), "identity rescale: values must come back unchanged")
        }
        let mask = try NiftiReader().read(path: "\(folder)/\(BreastTomosynthesisSample.maskName)")
        XCTAssertEqual(mask.size, volume.size)
        // The NIfTI stores its affine in float32: millimetre positions agree to float precision.
        for (a, b) in zip(mask.indexToPatient, volume.indexToPatient) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        if let expected { XCTAssertEqual(mask.voxels, expected.mask.map(Float.init)) }
        // The mass is denser than the breast tissue around it.
        var inside = 0.0, inCount = 0, outside = 0.0, outCount = 0
        for i in volume.voxels.indices where volume.voxels[i] > 500 {
            if mask.voxels[i] != 0 { inside += Double(volume.voxels[i]); inCount += 1 } else { outside += Double(volume.voxels[i]); outCount += 1 }
        }
        XCTAssertGreaterThan(inCount, 0, "empty mass mask")
        XCTAssertGreaterThan(inside / Double(max(1, inCount)), outside / Double(max(1, outCount)) + 200)
    }

    func testWrittenObjectPassesDciodvfyAndLoadsAsOneVolume() throws {
        let dir = try BrainFixture.temporaryFolder("dbt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let phantom = try BreastTomosynthesisSample.write(options: Self.small, to: dir, command: "test")
        XCTAssertEqual(try Self.dciodvfyErrors("\(dir)/\(BreastTomosynthesisSample.dicomName)"), [])
        try Self.checkLoads(folder: dir, options: Self.small, expected: phantom)
        let center = phantom.massCenter.map { Int($0.rounded()) }
        XCTAssertEqual(phantom.mask[(center[2] * Self.small.rows + center[1]) * Self.small.columns + center[0]], 1)
    }

    func testSameSeedSameBytes() throws {
        let a = try BrainFixture.temporaryFolder("dbt-a"), b = try BrainFixture.temporaryFolder("dbt-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try BreastTomosynthesisSample.write(options: Self.small, to: a, command: "test")
        try BreastTomosynthesisSample.write(options: Self.small, to: b, command: "test")
        for name in [BreastTomosynthesisSample.dicomName, BreastTomosynthesisSample.maskName] {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(a)/\(name)"), FileManager.default.contents(atPath: "\(b)/\(name)"), name)
        }
        var other = Self.small
        other.seed = 6
        let p = try BreastPhantom(options: other), q = try BreastPhantom(options: Self.small)
        XCTAssertNotEqual(p.voxels, q.voxels)
    }

    /// The committed sample: no dciodvfy errors, and it loads as one 30-plane 256×320 volume with its mask.
    func testCommittedSample() throws {
        let dir = Fixtures.projectRoot.appendingPathComponent("sample-data/dbt-synthetic").path
        XCTAssertEqual(try Self.dciodvfyErrors("\(dir)/\(BreastTomosynthesisSample.dicomName)"), [])
        try Self.checkLoads(folder: dir, options: BreastPhantomOptions(seed: 7, rows: 256, columns: 320, frames: 30), expected: nil)
    }

    func testInvalidSizeIsRefused() {
        XCTAssertThrowsError(try BreastPhantom(options: BreastPhantomOptions(rows: 8)))
        XCTAssertThrowsError(try BreastPhantom(options: BreastPhantomOptions(frames: 1)))
    }
}
