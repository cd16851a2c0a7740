import FixtureSupport
import Foundation
import XCTest
@testable import MedIO

final class NIfTIWriterTests: XCTestCase {
    /// A probability map and a mask written on a real volume read back with its grid, both transforms
    /// (codes and fields verbatim) and exactly the values written.
    func testMapAndMaskRoundTripOnRealGrids() throws {
        let folder = NIfTIReferenceData.temporaryPath("writer")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["anatomical.nii", "KmeansTest_T1UCharRaw.nii.gz", "example_nifti2.nii.gz", "oblique_anatomical.nii.gz"] {
            let source = NIfTIReferenceData.path(of: name)
            let volume = try NiftiReader().read(path: source)
            let sourceHeader = try NiftiReader().readHeader(path: source)
            // A map that depends on every voxel's index and value, so a transposed or shifted write shows.
            let maxValue = volume.voxels.max()!
            // (Unsafe-buffer loops: element-wise closures over a million voxels take seconds in debug builds.)
            var map = [Float](repeating: 0, count: volume.voxels.count)
            var mask = [UInt8](repeating: 0, count: volume.voxels.count)
            volume.voxels.withUnsafeBufferPointer { v in
                map.withUnsafeMutableBufferPointer { m in
                    mask.withUnsafeMutableBufferPointer { k in
                        for i in 0..<v.count {
                            m[i] = Float(i % 97) / 97 * 0.5 + v[i] / maxValue * 0.5
                            k[i] = m[i] > 0.4 ? 1 : 0
                        }
                    }
                }
            }
            XCTAssertGreaterThan(mask.reduce(0) { $0 + Int($1) }, 0, name)

            // The 1 M-voxel ITK volume gets only the mask: a gzip-compressed float map of it is slow in debug builds.
            let kinds = name.hasPrefix("Kmeans") ? [("mask", ".nii.gz")] : [("map", ".nii.gz"), ("mask", ".nii")]
            for (kind, ext) in kinds {
                let stem = "\(kind)-\(name)".replacingOccurrences(of: ".nii.gz", with: "").replacingOccurrences(of: ".nii", with: "")
                let out = folder + "/" + stem + ext
                if kind == "map" {
                    try NiftiWriter().writeProbabilityMap(map, like: volume, to: out)
                } else {
                    try NiftiWriter().writeMask(mask, like: volume, to: out)
                }
                let header = try NiftiReader().readHeader(path: out)
                XCTAssertEqual(header.version, 1, "\(name) \(kind): outputs are NIfTI-1")
                XCTAssertEqual(header.dims, volume.size, "\(name) \(kind)")
                var geometry = header.geometry
                geometry.version = sourceHeader.version
                // The NIfTI-2 sample's transforms are float32 values, so even they survive NIfTI-1 verbatim.
                XCTAssertEqual(geometry, sourceHeader.geometry, "\(name) \(kind): transforms not copied verbatim")
                XCTAssertEqual(header.qformAffine, sourceHeader.qformAffine, "\(name) \(kind)")
                if sourceHeader.sformCode > 0 {
                    XCTAssertEqual(header.sformAffine, sourceHeader.sformAffine, "\(name) \(kind)")
                }
                XCTAssertEqual(header.datatype, kind == "map" ? 16 : 2)
                let back = try NiftiReader().read(path: out)
                XCTAssertEqual(back.indexToPatient, volume.indexToPatient, "\(name) \(kind)")
                // Outputs carry cal_min 0 / cal_max 1, which the reader offers as the header window.
                XCTAssertEqual(back.suggestedWindow, Window(center: 0.5, width: 1), "\(name) \(kind)")
                XCTAssertEqual(back.voxels, kind == "map" ? map : mask.map(Float.init), "\(name) \(kind)")
                // Only the output itself is in the folder: the temporary name was renamed, nothing left behind.
                XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.contains(".tmp") },
                              "temporary files left behind")
                XCTAssertTrue(FileManager.default.fileExists(atPath: out))
            }
        }
    }

    /// A volume from DICOM (LPS) is written with its affine in RAS; reading back gives the same LPS geometry.
    func testDicomVolumeIsWrittenInRAS() throws {
        let real = try NiftiReader().read(path: NIfTIReferenceData.path(of: "anatomical.nii"))
        // An oblique LPS geometry: the real file's affine rotated about two axes.
        let lps = Affine4x4.multiply(Affine4x4.multiply(Affine4x4.rotation(axis: 0, radians: 0.3),
                                                        Affine4x4.rotation(axis: 2, radians: -0.2)),
                                     real.indexToPatient)
        let slices = (0..<real.size[2]).map { z in
            DicomSliceReference(path: "s\(z).dcm", frame: 0, sopInstanceUID: "1.2.\(z)", sopClassUID: "1.2.840.10008.5.1.4.1.1.4",
                                position: Affine4x4.apply(lps, [0, 0, Double(z)]))
        }
        let volume = Volume(size: real.size, voxels: real.voxels, spacing: real.spacing, indexToPatient: lps, modality: "MR",
                            source: .dicom(DicomSeriesReference(studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3",
                                                                frameOfReferenceUID: "1.2.4", seriesDescription: "t1",
                                                                seriesNumber: 1, slices: slices)))
        let out = NIfTIReferenceData.temporaryPath("dicom-mask.nii.gz")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let mask = volume.voxels.map { $0 > 5000 ? UInt8(1) : 0 }
        try NiftiWriter().writeMask(mask, like: volume, to: out)
        let header = try NiftiReader().readHeader(path: out)
        XCTAssertEqual(header.version, 1)
        XCTAssertEqual(header.qformCode, 1)
        XCTAssertEqual(header.sformCode, 1)
        for i in 0..<16 {
            // RAS = LPS with the first two rows negated; NIfTI-1 stores the sform as float32.
            let ras = (i < 8 ? -1.0 : 1.0) * lps[i]
            XCTAssertEqual(header.sformAffine[i], ras, accuracy: 1e-4 * max(1, abs(ras)), "sform[\(i)]")
            XCTAssertEqual(header.qformAffine[i], ras, accuracy: 1e-4 * max(1, abs(ras)), "qform[\(i)]")
        }
        XCTAssertEqual(try NiftiReader().read(path: out).voxels, mask.map(Float.init))
    }

    func testWrongSizeAndBadNameAreTypedErrors() throws {
        let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "standard.nii.gz"))
        let out = NIfTIReferenceData.temporaryPath("bad.nii.gz")
        XCTAssertThrowsError(try NiftiWriter().writeMask([1, 0], like: volume, to: out)) { error in
            XCTAssertEqual(error as? NiftiError, .sizeMismatch(path: out, expected: 140, got: 2))
        }
        let png = NIfTIReferenceData.temporaryPath("bad.png")
        XCTAssertThrowsError(try NiftiWriter().writeMask([UInt8](repeating: 0, count: 140), like: volume, to: png)) { error in
            guard case NiftiError.writeFailed(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, png)
        }
        let noFolder = "/nonexistent-medvmad-folder/out.nii.gz"
        XCTAssertThrowsError(try NiftiWriter().writeMask([UInt8](repeating: 0, count: 140), like: volume, to: noFolder)) { error in
            guard case NiftiError.writeFailed(let p, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, noFolder)
        }
    }
}
