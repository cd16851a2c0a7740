import Checkpoint
import FixtureSupport
import Foundation
import MedIO
import Pipeline
import Raster
import XCTest

/// Every input the fuzzers (scripts/fuzz.sh) ever crashed a reader with, replayed through the
/// same reader: it must now give a typed error naming the file (or read cleanly), never crash.
///
/// Inputs live in `Inputs/<target>/`, one folder per fuzz target (dicom, nifti, png, safetensors,
/// pickle, torchzip, yaml); each file's name says what it found. A reader that crashes on one
/// takes the test process down, which fails the suite.
final class FuzzRegressionTests: XCTestCase {
    static let inputs = Fixtures.projectRoot.appendingPathComponent("Tests/FuzzRegressionTests/Inputs")

    /// The kept inputs for `target`, copied into a fresh folder so that scans see one file each.
    private func inputs(_ target: String, suffix: String) throws -> [(name: String, path: String)] {
        let folder = Self.inputs.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted() ?? []
        return try names.map { name in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-regression-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("input" + suffix).path
            try FileManager.default.copyItem(atPath: folder.appendingPathComponent(name).path, toPath: path)
            return (name, path)
        }
    }

    /// Runs `body`; any error must be of type `E` and its message must name `path`.
    private func expectTypedError<E: Error>(_ type: E.Type, _ name: String, _ path: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            XCTAssertTrue(error is E, "\(name): \(Swift.type(of: error)) instead of \(E.self): \(error)")
            XCTAssertTrue("\(error)".contains(path), "\(name): the error does not name the file: \(error)")
        }
    }

    func testDICOMInputs() throws {
        for (name, path) in try inputs("dicom", suffix: ".dcm") {
            expectTypedError(MedIOError.self, name, path) { _ = try DicomFrames.read(path: path) }
            expectTypedError(MedIOError.self, name, path) {
                for outcome in try DicomScan.scan(root: path).loadAll() { _ = try outcome.result.get() }
            }
        }
    }

    func testNIfTIInputs() throws {
        for suffix in [".nii", ".nii.gz"] {
            for (name, path) in try inputs("nifti", suffix: suffix) {
                expectTypedError(NiftiError.self, name, path) { _ = try NiftiReader().read(path: path) }
            }
        }
    }

    func testPNGInputs() throws {
        for (name, path) in try inputs("png", suffix: ".png") {
            expectTypedError(RasterError.self, name, path) { _ = try PNGFile.read(path) }
            expectTypedError(RasterError.self, name, path) { _ = try PNGFile.readGray16(path) }
        }
    }

    func testCheckpointInputs() throws {
        for target in ["safetensors", "pickle", "torchzip"] {
            for (name, path) in try inputs(target, suffix: ".pt") {
                if target == "safetensors" {
                    expectTypedError(CheckpointError.self, name, path) {
                        let file = try SafetensorsFile(path: path)
                        for entry in file.names { _ = try file.tensor(entry) }
                    }
                }
                expectTypedError(CheckpointError.self, name, path) {
                    let checkpoint = try CheckpointArchive.open(path: path)
                    for entry in checkpoint.entries {
                        if entry.dtype.isInteger { _ = try checkpoint.integers(entry.name) } else { _ = try checkpoint.tensor(entry.name) }
                    }
                }
            }
        }
    }

    func testPipelineInputs() throws {
        for (name, path) in try inputs("yaml", suffix: ".yaml") {
            let result = PipelineLoader.load(path: path)
            for diagnostic in result.diagnostics {
                XCTAssertTrue(diagnostic.description.contains(path), "\(name): \(diagnostic)")
            }
        }
    }
}
