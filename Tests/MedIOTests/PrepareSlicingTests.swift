import FixtureSupport
import Foundation
import XCTest
@testable import MedIO

final class PrepareSlicingTests: XCTestCase {
    private let files = ["anatomical.nii", "KmeansTest_T1UCharRaw.nii.gz", "oblique_anatomical.nii.gz", "example4d.nii.gz"]

    /// The slice, column and row axes and their flips agree with nibabel's nearest-axis codes
    /// (aff2axcodes) for every plane, including a coronal acquisition (LSA) and an oblique one.
    func testAxesAgreeWithNibabelAxisCodes() throws {
        let reference = try NIfTIReferenceData.load()
        // Per plane: codes of the slice normal, and of columns and rows with the code they must point to.
        let planes: [(SliceAxis, Set<String>, Set<String>, String, Set<String>, String)] = [
            (.axial, ["S", "I"], ["L", "R"], "L", ["A", "P"], "P"),
            (.coronal, ["A", "P"], ["L", "R"], "L", ["S", "I"], "I"),
            (.sagittal, ["L", "R"], ["A", "P"], "P", ["S", "I"], "I"),
        ]
        for name in files {
            let codes = try XCTUnwrap(reference.files[name]).axcodes
            let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: name))
            for (plane, normal, columnCodes, columnTarget, rowCodes, rowTarget) in planes {
                let o = SliceOrientation(plane: plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
                XCTAssertTrue(normal.contains(codes[o.sliceAxis]), "\(name) \(plane): slice axis \(o.sliceAxis) is \(codes)")
                XCTAssertTrue(columnCodes.contains(codes[o.columnAxis]), "\(name) \(plane) columns \(codes)")
                XCTAssertTrue(rowCodes.contains(codes[o.rowAxis]), "\(name) \(plane) rows \(codes)")
                XCTAssertEqual(o.columnFlipped, codes[o.columnAxis] != columnTarget, "\(name) \(plane) column flip")
                XCTAssertEqual(o.rowFlipped, codes[o.rowAxis] != rowTarget, "\(name) \(plane) row flip")
            }
        }
    }

    /// Windowed, display-oriented slices equal the ones numpy computed (percentiles 0.5–99.5 of nonzero voxels).
    func testDisplaySlicesMatchNumpy() throws {
        let reference = try NIfTIReferenceData.load()
        XCTAssertGreaterThanOrEqual(reference.slices.count, 6)
        var volumes: [String: Volume] = [:]
        var windows: [String: AppliedWindow] = [:]
        for (key, expected) in reference.slices.sorted(by: { $0.key < $1.key }) {
            let volume = try volumes[expected.file] ?? NiftiReader().read(path: NIfTIReferenceData.path(of: expected.file))
            volumes[expected.file] = volume
            let plane = try XCTUnwrap(SliceAxis(rawValue: expected.plane))
            let o = SliceOrientation(plane: plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
            XCTAssertEqual([o.sliceAxis, o.columnAxis, o.rowAxis], [expected.slice_axis, expected.column_axis, expected.row_axis], key)
            XCTAssertEqual([o.width, o.height], [expected.width, expected.height], key)
            var warnings: [String] = []
            let window = try windows[expected.file] ?? SlicePreparer.resolve(.automatic, for: volume, warnings: &warnings)
            windows[expected.file] = window
            XCTAssertEqual(window.policy, "percentiles 0.5–99.5 of nonzero voxels")
            // Same order statistics, interpolated in double precision by both.
            XCTAssertEqual(window.lower, expected.lower, accuracy: 1e-9 * max(1, abs(expected.lower)), key)
            XCTAssertEqual(window.upper, expected.upper, accuracy: 1e-9 * max(1, abs(expected.upper)), key)
            let grey = window.grey(o.extract(volume.voxels, slice: expected.index))
            // Both sides compute floor(255·t + 0.5) in double precision from the same window: exact.
            let mismatches = zip(grey, expected.grey).enumerated().filter { Int($0.element.0) != $0.element.1 }
            XCTAssertEqual(mismatches.count, 0, "\(key): first differences (pixel, got, expected) \(mismatches.prefix(5))")
        }
    }

    /// extract then scatter restores every voxel, and voxelIndex/pixel are inverse, for every plane.
    func testSlicingInvertsExactly() throws {
        for name in files {
            let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: name))
            for plane in SliceAxis.allCases {
                let o = SliceOrientation(plane: plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
                var back = [Float](repeating: .nan, count: volume.voxels.count)
                for k in 0..<o.sliceCount { o.scatter(o.extract(volume.voxels, slice: k), slice: k, into: &back) }
                XCTAssertEqual(back, volume.voxels, "\(name) \(plane)")
                for (c, r, k) in [(0, 0, 0), (o.width - 1, 0, o.sliceCount - 1), (3, o.height - 2, o.sliceCount / 2)] {
                    let v = o.voxelIndex(column: c, row: r, slice: k)
                    let p = o.pixel(ofVoxel: v)
                    XCTAssertEqual([p.column, p.row, p.slice], [c, r, k], "\(name) \(plane)")
                    // The pixel shows that voxel.
                    let image = o.extract(volume.voxels, slice: k)
                    XCTAssertEqual(image[r * o.width + c], volume.voxels[(v[2] * volume.size[1] + v[1]) * volume.size[0] + v[0]])
                }
            }
        }
    }

    /// The slice's 2-D geometry places each pixel where the volume affine places its voxel.
    func testSliceGeometryAgreesWithTheVolumeAffine() throws {
        for name in ["oblique_anatomical.nii.gz", "KmeansTest_T1UCharRaw.nii.gz"] {
            let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: name))
            for plane in SliceAxis.allCases {
                let o = SliceOrientation(plane: plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
                let k = o.sliceCount / 2
                let g = o.geometry(slice: k, indexToPatient: volume.indexToPatient)
                for (c, r) in [(0, 0), (o.width - 1, 0), (0, o.height - 1), (o.width - 1, o.height - 1), (5, 7)] {
                    let expected = Affine4x4.apply(volume.indexToPatient, o.voxelIndex(column: c, row: r, slice: k).map(Double.init))
                    let got = g.patientPosition(column: Double(c), row: Double(r))
                    for i in 0..<3 { XCTAssertEqual(got[i], expected[i], accuracy: 1e-9, "\(name) \(plane) (\(c),\(r))") }
                }
                // Radiological display: columns run toward the patient's left (LPS +x) for axial/coronal.
                if plane != .sagittal { XCTAssertGreaterThan(g.columnDirection[0], 0.5, "\(name) \(plane)") }
                if plane == .axial { XCTAssertGreaterThan(g.rowDirection[1], 0.5, "\(name): rows toward posterior") }
                if plane != .axial { XCTAssertLessThan(g.rowDirection[2], -0.5, "\(name) \(plane): rows toward inferior") }
            }
        }
    }

    /// An oblique volume from DICOM (rotated LPS affine) slices along the plane closest to the asked one.
    func testRotatedAffinePicksTheNearestAxis() throws {
        let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "anatomical.nii"))
        // Rotating 70° about L turns the stored z axis (S) mostly into A/P, and y (A) mostly into S.
        let rotated = Affine4x4.multiply(Affine4x4.rotation(axis: 0, radians: 70 * .pi / 180), volume.indexToPatient)
        let axial = SliceOrientation(plane: .axial, volumeSize: volume.size, indexToPatient: rotated)
        let coronal = SliceOrientation(plane: .coronal, volumeSize: volume.size, indexToPatient: rotated)
        XCTAssertEqual(axial.sliceAxis, 1)
        XCTAssertEqual(coronal.sliceAxis, 2)
        XCTAssertEqual(SliceOrientation(plane: .axial, volumeSize: volume.size, indexToPatient: volume.indexToPatient).sliceAxis, 2)
    }
}
