import FixtureSupport
import Foundation
import MedIO
@testable import Synthesis

/// The committed real brain (Colin27 `ch2bet`), halved in each axis so debug-build tests stay fast.
enum BrainFixture {
    static let path = Fixtures.projectRoot.appendingPathComponent("sample-data/brain-mri/ch2bet.nii.gz").path

    /// Usable slices of the halved volume at 120 px, made once per test run.
    static let source: Result<BrainSliceSource, Error> = Result {
        let full = try NiftiReader().read(path: path, modality: "MR")
        return try BrainSliceSource(volume: halved(full), path: path, options: .init(size: 120, margin: 2))
    }

    /// Every second voxel along each axis, with the affine scaled to match.
    static func halved(_ v: Volume) -> Volume {
        let n = v.size.map { ($0 + 1) / 2 }
        var voxels = [Float](repeating: 0, count: n[0] * n[1] * n[2])
        for z in 0..<n[2] {
            for y in 0..<n[1] {
                for x in 0..<n[0] {
                    voxels[(z * n[1] + y) * n[0] + x] = v.voxels[((2 * z) * v.size[1] + 2 * y) * v.size[0] + 2 * x]
                }
            }
        }
        var affine = v.indexToPatient
        for row in 0..<3 { for col in 0..<3 { affine[row * 4 + col] *= 2 } }
        return Volume(size: n, voxels: voxels, spacing: v.spacing.map { $0 * 2 }, indexToPatient: affine,
                      modality: v.modality, source: v.source)
    }

    static func temporaryFolder(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synthesis-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
