import FixtureSupport
import Foundation
import XCTest
@testable import MedIO

final class PrepareWindowAndMapTests: XCTestCase {
    private func syntheticVolume(_ values: [Float], modality: String, window: Window? = nil) -> Volume {
        Volume(size: [values.count, 1, 1], voxels: values, spacing: [1, 1, 1], indexToPatient: Affine4x4.identity,
               modality: modality, suggestedWindow: window,
               source: .nifti(NiftiReference(path: "synthetic.nii", rasAffine: Affine4x4.identity, qformCode: 1, sformCode: 1)))
    }

    func testCTPresetsMapHounsfieldUnitsToGrey() throws {
        let volume = syntheticVolume([-1000, -200, 25, 250, 1000, .nan], modality: "CT")
        var warnings: [String] = []
        let liver = try SlicePreparer.resolve(.automatic, for: volume, warnings: &warnings)
        XCTAssertEqual(liver, AppliedWindow(policy: "CT preset liver", lower: -200, upper: 250))
        // 25 HU is the middle of −200…250: 127.5 + 0.5 rounds down to 128.
        XCTAssertEqual(liver.grey(volume.voxels), [0, 0, 128, 255, 255, 0])
        let brain = try SlicePreparer.resolve(.ct(.brain), for: volume, warnings: &warnings)
        XCTAssertEqual(brain.window, Window(center: 40, width: 80))
        let abdomen = try SlicePreparer.resolve(.ct(.abdomen), for: volume, warnings: &warnings)
        XCTAssertEqual(abdomen.window, Window(center: 40, width: 400))
        XCTAssertEqual(warnings, [])
    }

    func testHeaderAndExplicitWindows() throws {
        var warnings: [String] = []
        let mammo = syntheticVolume([0, 1000, 2000, 3000], modality: "MG", window: Window(center: 2000, width: 2000))
        let header = try SlicePreparer.resolve(.automatic, for: mammo, warnings: &warnings)
        XCTAssertEqual(header, AppliedWindow(policy: "header window", lower: 1000, upper: 3000))
        XCTAssertEqual(header.grey(mammo.voxels), [0, 0, 128, 255])
        let explicit = try SlicePreparer.resolve(.explicit(Window(center: 0, width: 10)), for: mammo, warnings: &warnings)
        XCTAssertEqual([explicit.lower, explicit.upper], [-5, 5])
        XCTAssertEqual(warnings, [])

        // MG without a header window falls back to percentiles, with a warning the report shows.
        let bare = syntheticVolume([0, 1000, 2000, 3000], modality: "MG")
        let fallback = try SlicePreparer.resolve(.automatic, for: bare, warnings: &warnings)
        XCTAssertEqual(fallback.policy, "percentiles 0.5–99.5 of nonzero voxels")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertThrowsError(try SlicePreparer.resolve(.header, for: bare, warnings: &warnings)) {
            XCTAssertEqual($0 as? PrepareError, .noHeaderWindow(source: "synthetic.nii"))
        }
        XCTAssertThrowsError(try SlicePreparer.resolve(.automatic, for: syntheticVolume([0, 0, 5, 5], modality: "MR"),
                                                       warnings: &warnings)) {
            XCTAssertEqual($0 as? PrepareError, .degenerateWindow(source: "synthetic.nii", lower: 5, upper: 5))
        }
        XCTAssertThrowsError(try SlicePreparer.resolve(.automatic, for: syntheticVolume([0, 0], modality: ""), warnings: &warnings)) {
            XCTAssertEqual($0 as? PrepareError, .noForeground(source: "synthetic.nii"))
        }
    }

    /// Half-pixel-centre bilinear: 2 → 4 samples at source positions −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    func testBilinearResizerUsesHalfPixelCentres() {
        XCTAssertEqual(BilinearResizer.resize([0, 100], width: 2, height: 1, newWidth: 4, newHeight: 1), [0, 25, 75, 100])
        XCTAssertEqual(BilinearResizer().resize([0, 100, 200, 100], width: 2, height: 2, newWidth: 1, newHeight: 1), [100])
        XCTAssertEqual(BilinearResizer().resize([7, 7, 7, 7, 7, 7], width: 3, height: 2, newWidth: 5, newHeight: 4),
                       [UInt8](repeating: 7, count: 20))
    }

    func testPercentilesIgnoreZeros() throws {
        // Nonzero values 1...100 plus many zeros: percentiles are those of 1...100 (numpy: 1.495 and 99.505).
        let values = (1...100).map(Float.init) + [Float](repeating: 0, count: 500)
        var warnings: [String] = []
        let w = try SlicePreparer.resolve(.mrDefault, for: syntheticVolume(values, modality: "MR"), warnings: &warnings)
        XCTAssertEqual(w.lower, 1 + 0.005 * 99, accuracy: 1e-12)
        XCTAssertEqual(w.upper, 1 + 0.995 * 99, accuracy: 1e-12)
    }

    /// Non-square physical extents are padded, centred, with the box recorded; the padding is black.
    /// (A model size of 96 rather than 336 keeps this debug-build test fast; the arithmetic is the same.)
    func testPaddingKeepsThePhysicalAspectRatio() throws {
        let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "KmeansTest_T1UCharRaw.nii.gz"))
        let size = 96
        let prepared = try SlicePreparer(options: .init(plane: .axial, modelSize: size)).prepare(volume)
        // Axial slices of this coronal acquisition: 128 columns of 2 mm by 62 rows of 3 mm = 256 × 186 mm.
        let height = Int((186.0 * Double(size) / 256).rounded())
        let expected = ContentBox(x: 0, y: (size - height) / 2, width: size, height: height)
        XCTAssertEqual(prepared.slices.count, 128)
        XCTAssertTrue(prepared.slices.allSatisfy { $0.content == expected && $0.image.count == size * size })
        for slice in prepared.slices where slice.index % 16 == 0 {
            let top = slice.image[0..<(expected.y * size)]
            let bottom = slice.image[((expected.y + expected.height) * size)...]
            XCTAssertEqual(top.max(), 0, "slice \(slice.index): padding above not black")
            XCTAssertEqual(bottom.max(), 0, "slice \(slice.index): padding below not black")
        }
        let middle = prepared.slices[64]
        XCTAssertGreaterThan(middle.image[(expected.y * size)..<((expected.y + expected.height) * size)].max()!, 100)
        XCTAssertEqual(prepared.window.policy, "percentiles 0.5–99.5 of nonzero voxels")
    }

    /// When the model size equals the slice's longer side (isotropic pixels), slice → image → map → volume is
    /// the identity on every voxel, for every plane of an oblique volume: the inverse mapping, including
    /// the pad box, lands on exactly the voxels the pixels came from.
    func testMapsGoBackOntoTheSameVoxels() throws {
        let volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "oblique_anatomical.nii.gz"))
        for plane in SliceAxis.allCases {
            let o = SliceOrientation(plane: plane, volumeSize: volume.size, indexToPatient: volume.indexToPatient)
            let size = max(o.width, o.height)
            let prepared = try SlicePreparer(options: .init(plane: plane, modelSize: size)).prepare(volume)
            XCTAssertEqual(prepared.slices.first?.content.width, o.width, "\(plane): isotropic pixels keep their size")
            // The "model" returns its input as the map.
            let back = try prepared.volumeMap(prepared.slices.map { $0.image.map(Float.init) })
            let expected = prepared.window.grey(volume.voxels).map(Float.init)
            XCTAssertEqual(back, expected, "\(plane)")
        }
    }

    /// Through a real resize (slices of 25–41 pixels up to 96 and back), a marked voxel block comes back where it was.
    func testMarkedVoxelsSurviveResizeBothWays() throws {
        var volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "oblique_anatomical.nii.gz"))
        let (nx, ny) = (volume.size[0], volume.size[1])
        let marked = [(20, 12, 9), (5, 30, 15)]
        for (x, y, z) in marked {
            for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
                volume.voxels[((z + dz) * ny + y + dy) * nx + x + dx] = 1e6
            } } }
        }
        for plane in SliceAxis.allCases {
            let prepared = try SlicePreparer(options: .init(plane: plane, window: .explicit(Window(center: 5e5, width: 1e6)),
                                                            modelSize: 96)).prepare(volume)
            let back = try prepared.volumeMap(prepared.slices.map { $0.image.map(Float.init) })
            for (x, y, z) in marked {
                XCTAssertEqual(back[(z * ny + y) * nx + x], 255, accuracy: 1, "\(plane): centre of block at \(x),\(y),\(z)")
                // Two voxels away from the block nothing is marked.
                XCTAssertLessThan(back[(z * ny + y) * nx + x + 2 * (x < nx / 2 ? 1 : -1) * 1], 130, "\(plane)")
            }
            let maxValue = back.max()!
            let hot = back.indices.filter { back[$0] > maxValue * 0.99 }
            for index in hot {
                let (x, y, z) = (index % nx, (index / nx) % ny, index / (nx * ny))
                XCTAssertTrue(marked.contains { abs($0.0 - x) <= 1 && abs($0.1 - y) <= 1 && abs($0.2 - z) <= 1 },
                              "\(plane): hot voxel \(x),\(y),\(z) outside the marked blocks")
            }
        }
    }

    /// Background-only slices are skipped and reported; the rule is checked by counting voxels directly.
    func testEmptySlicesAreSkippedAndReported() throws {
        var volume = try NiftiReader().read(path: NIfTIReferenceData.path(of: "anatomical.nii"))
        let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
        for z in [0, 1, nz - 1] { for i in 0..<(nx * ny) { volume.voxels[z * nx * ny + i] = 0 } }
        let rule = EmptySliceRule()
        let prepared = try SlicePreparer(options: .init(plane: .axial, modelSize: 64, skipEmpty: rule)).prepare(volume)
        let window = prepared.window
        var expectedSkipped: [Int] = []
        for z in 0..<nz {
            var count = 0
            for i in 0..<(nx * ny) {
                let v = Double(volume.voxels[z * nx * ny + i])
                let t = min(max((v - window.lower) / (window.upper - window.lower), 0), 1)
                if (t * 255 + 0.5).rounded(.down) >= Double(rule.minimumGrey) { count += 1 }
            }
            if Double(count) / Double(nx * ny) < rule.minimumFraction { expectedSkipped.append(z) }
        }
        XCTAssertTrue(Set([0, 1, nz - 1]).isSubset(of: expectedSkipped))
        XCTAssertEqual(prepared.skipped.map(\.index), expectedSkipped)
        XCTAssertEqual(prepared.slices.map(\.index), (0..<nz).filter { !expectedSkipped.contains($0) })
        XCTAssertEqual(prepared.skipped.first?.foregroundFraction, 0)
        // Skipped slices get no map: they stay 0 on the volume grid.
        let back = try prepared.volumeMap(prepared.slices.map { _ in [Float](repeating: 1, count: 64 * 64) })
        XCTAssertTrue(back[0..<(nx * ny)].allSatisfy { $0 == 0 })
        XCTAssertTrue(back[(2 * nx * ny)..<(3 * nx * ny)].allSatisfy { $0 == 1 })
        XCTAssertThrowsError(try prepared.volumeMap([])) {
            XCTAssertEqual($0 as? PrepareError, .mapCountMismatch(expected: prepared.slices.count, got: 0))
        }
        XCTAssertThrowsError(try prepared.volumeMap(prepared.slices.map { _ in [Float](repeating: 1, count: 5) })) {
            XCTAssertEqual($0 as? PrepareError, .mapSizeMismatch(sliceIndex: prepared.slices[0].index, expected: 4096, got: 5))
        }
    }
}
