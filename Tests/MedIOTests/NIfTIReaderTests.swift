import FixtureSupport
import Foundation
import XCTest
@testable import MedIO

final class NIfTIReaderTests: XCTestCase {
    /// Every sample and derived file reads as nibabel reads it: grid, version, transform codes, chosen
    /// affine, and the first volume's values (min, max, sum and probed voxels).
    func testFilesReadAsNibabelReadsThem() throws {
        let reference = try NIfTIReferenceData.load()
        XCTAssertGreaterThanOrEqual(reference.files.count, 10)
        for (name, expected) in reference.files.sorted(by: { $0.key < $1.key }) {
            let path = NIfTIReferenceData.path(of: name)
            let header = try NiftiReader().readHeader(path: path)
            XCTAssertEqual(header.version, expected.version, name)
            XCTAssertEqual(header.dims, expected.shape, name)
            XCTAssertEqual(header.qformCode, expected.qform_code, name)
            XCTAssertEqual(header.sformCode, expected.sform_code, name)

            let volume = try NiftiReader().read(path: path)
            let grid = (0..<3).map { $0 < expected.shape.count ? expected.shape[$0] : 1 }
            XCTAssertEqual(volume.size, grid, name)
            guard case .nifti(let source) = volume.source else { return XCTFail("\(name): not a NIfTI source") }
            // nibabel and nifti_clib both build the qform from float32 quaternions in double precision.
            for i in 0..<16 {
                XCTAssertEqual(source.rasAffine[i], expected.affine[i], accuracy: 1e-4, "\(name) affine[\(i)]")
                let lps = (i < 8 ? -1.0 : 1.0) * expected.affine[i]
                XCTAssertEqual(volume.indexToPatient[i], lps, accuracy: 1e-4, "\(name) indexToPatient[\(i)]")
            }
            for axis in 0..<3 {
                let column = (0..<3).map { expected.affine[$0 * 4 + axis] }
                let norm = column.map { $0 * $0 }.reduce(0, +).squareRoot()
                XCTAssertEqual(volume.spacing[axis], norm, accuracy: 1e-4, "\(name) spacing[\(axis)]")
            }
            // Integer voxels (scaled by 2.5 at most) are exact in float32, and their sum exact in Double.
            XCTAssertEqual(Double(volume.voxels.min()!), expected.min, "\(name) min")
            XCTAssertEqual(Double(volume.voxels.max()!), expected.max, "\(name) max")
            let sum = volume.voxels.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(sum, expected.sum, accuracy: 1e-9 * max(1, abs(expected.sum)), "\(name) sum")
            for probe in expected.voxels {
                let i = probe.index
                let value = volume.voxels[(i[2] * grid[1] + i[1]) * grid[0] + i[0]]
                XCTAssertEqual(Double(value), probe.value, "\(name) voxel \(i)")
            }
            XCTAssertEqual(volume.warnings.contains { $0.contains("only the first volume") }, expected.shape.count > 3,
                           "\(name): \(volume.warnings)")
            XCTAssertEqual(volume.warnings.contains { $0.contains("pixdim only") },
                           expected.qform_code == 0 && expected.sform_code == 0, "\(name): \(volume.warnings)")
        }
    }

    func testVersionComesFromTheHeaderSize() throws {
        let two = try NiftiReader().readHeader(path: NIfTIReferenceData.path(of: "example_nifti2.nii.gz"))
        XCTAssertEqual(two.version, 2)
        let one = try NiftiReader().readHeader(path: NIfTIReferenceData.path(of: "example4d.nii.gz"))
        XCTAssertEqual(one.version, 1)
    }

    func testCorruptDeflateDataIsAnUnreadableDataError() throws {
        let path = NIfTIReferenceData.path(of: "corrupt_inflate_anatomical.nii.gz")
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            guard case NiftiError.unreadableData(let p, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(reason.contains("gzip"), reason)
            XCTAssertTrue("\(error)".contains("corrupt_inflate_anatomical.nii.gz"))
        }
    }

    /// A stream whose data inflate to the right length but fail the CRC: the voxels alone would look fine.
    func testGzipChecksumMismatchIsAnUnreadableDataError() throws {
        let path = NIfTIReferenceData.path(of: "corrupt_crc_anatomical.nii.gz")
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            guard case NiftiError.unreadableData(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }

    func testTruncatedGzipIsAnError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: NIfTIReferenceData.path(of: "example4d.nii.gz")))
        let path = NIfTIReferenceData.temporaryPath("truncated.nii.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            guard case NiftiError.unreadableData(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
        }
    }

    func testTruncatedPlainFileIsAnError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: NIfTIReferenceData.path(of: "anatomical.nii")))
        let path = NIfTIReferenceData.temporaryPath("truncated.nii")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testAbsurdDeclaredDimsAreRefusedBeforeReading() throws {
        let path = NIfTIReferenceData.path(of: "huge_dims.nii")
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            guard case NiftiError.tooManyVoxels(let p, let dims, let voxels, let limit) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(p, path)
            XCTAssertEqual(dims, [32767, 32767, 32767])
            XCTAssertEqual(voxels, 32767 * 32767 * 32767)
            XCTAssertEqual(limit, NiftiReader.Limits().maxVoxels)
        }
    }

    func testCapsAreConfigurable() throws {
        let path = NIfTIReferenceData.path(of: "example4d.nii.gz")
        let small = NiftiReader(limits: .init(maxVoxels: 1000))
        XCTAssertThrowsError(try small.read(path: path)) { error in
            guard case NiftiError.tooManyVoxels(_, _, let voxels, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(voxels, 128 * 96 * 24)
        }
        XCTAssertThrowsError(try NiftiReader(limits: .init(maxInflatedBytes: 100_000)).read(path: path)) { error in
            XCTAssertEqual(error as? NiftiError, .inflatedTooLarge(path: path, limit: 100_000))
        }
        let bytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertThrowsError(try NiftiReader(limits: .init(maxFileBytes: bytes - 1)).read(path: path)) { error in
            XCTAssertEqual(error as? NiftiError, .fileTooLarge(path: path, bytes: bytes, limit: bytes - 1))
        }
    }

    /// An RGB file (datatype 128) is refused by type, before any voxel is read.
    func testUnsupportedDatatypeIsRefused() throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: NIfTIReferenceData.path(of: "huge_dims.nii")))
        // Little-endian header: datatype (int16) at byte 70, bitpix at 72; dims back to 2×2×2.
        data.replaceSubrange(40..<56, with: [3, 0, 2, 0, 2, 0, 2, 0, 1, 0, 1, 0, 1, 0, 1, 0])
        data.replaceSubrange(70..<74, with: [128, 0, 24, 0])
        let path = NIfTIReferenceData.temporaryPath("rgb.nii")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try NiftiReader().readHeader(path: path).datatype, 128)
        XCTAssertThrowsError(try NiftiReader().read(path: path)) { error in
            XCTAssertEqual(error as? NiftiError, .unsupportedDatatype(path: path, code: 128))
        }
    }

    func testMissingAndForeignFilesAreTypedErrors() throws {
        let missing = NIfTIReferenceData.temporaryPath("absent.nii")
        XCTAssertThrowsError(try NiftiReader().read(path: missing)) { error in
            XCTAssertEqual(error as? NiftiError, .cannotOpen(path: missing))
        }
        let text = NIfTIReferenceData.temporaryPath("text.nii")
        defer { try? FileManager.default.removeItem(atPath: text) }
        try Data(String(repeating: "not an image ", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try NiftiReader().read(path: text)) { error in
            guard case NiftiError.invalidHeader(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, text)
        }
    }
}
