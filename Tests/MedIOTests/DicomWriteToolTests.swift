import Foundation
import XCTest

@testable import MedIO

/// Every object the writers produce, checked by tools that share no code with them:
/// dicom3tools' dciodvfy (IOD conformance) always, pydicom + highdicom when a Python is given.
final class DicomWriteToolTests: XCTestCase {
    func testDciodvfyReportsNoErrors() throws {
        let dir = try DicomWriteTestSupport.scratchFolder("dciodvfy")
        defer { DicomWriteTestSupport.removeScratch(dir) }
        let (outputs, _) = try DicomWriteTestSupport.writeAll(into: dir)
        XCTAssertEqual(outputs.count, 7)
        for path in outputs {
            let errors = try DicomWriteTestSupport.dciodvfyErrors(path)
            XCTAssertEqual(errors, [], "dciodvfy errors in \((path as NSString).lastPathComponent)")
        }
    }

    /// Needs MEDVMAD_PYTHON: a Python with pydicom, highdicom and numpy
    /// (`python3 -m venv .venv-check && .venv-check/bin/pip install pydicom==3.0.2 highdicom numpy`).
    func testPydicomAndHighdicomReadBackWhatWasWritten() throws {
        guard let python = ProcessInfo.processInfo.environment["MEDVMAD_PYTHON"], !python.isEmpty else {
            print("MEDVMAD_PYTHON unset: skipping the pydicom/highdicom checks of written DICOM")
            throw XCTSkip("MEDVMAD_PYTHON unset (a Python with pydicom, highdicom, numpy)")
        }
        let dir = try DicomWriteTestSupport.scratchFolder("pycheck")
        defer { DicomWriteTestSupport.removeScratch(dir) }
        let (_, manifest) = try DicomWriteTestSupport.writeAll(into: dir)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_dicom_outputs.py").path
        let (status, output) = try DicomWriteTestSupport.run(python, [script, manifest])
        XCTAssertEqual(status, 0, "check_dicom_outputs.py:\n\(output)")
        XCTAssertTrue(output.contains("checked 7 objects, 0 problems"), output)
    }
}
