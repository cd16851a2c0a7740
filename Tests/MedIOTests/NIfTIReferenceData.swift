import FixtureSupport
import Foundation
import XCTest

/// The values nibabel computed for the NIfTI sample and derived files (Tests/Fixtures/nifti/nifti-reference.json,
/// written by make_nifti_reference.py).
struct NIfTIReferenceData: Decodable {
    struct Voxel: Decodable {
        var index: [Int]
        var value: Double
    }

    struct File: Decodable {
        var file: String
        var version: Int
        var shape: [Int]
        var dtype: String
        var qform_code: Int
        var sform_code: Int
        var affine: [Double]
        var axcodes: [String]
        var min: Double
        var max: Double
        var sum: Double
        var nonzero_count: Int
        var percentile_0_5: Double
        var percentile_99_5: Double
        var voxels: [Voxel]
    }

    struct Slice: Decodable {
        var file: String
        var plane: String
        var index: Int
        var slice_axis: Int
        var column_axis: Int
        var row_axis: Int
        var width: Int
        var height: Int
        var lower: Double
        var upper: Double
        var grey: [Int]
    }

    var files: [String: File]
    var slices: [String: Slice]

    /// Loads the reference JSON, or skips the test when the fixture is absent.
    static func load() throws -> NIfTIReferenceData {
        guard let url = Fixtures.files(named: "nifti-reference.json").first else {
            throw XCTSkip("nifti-reference.json not found under \(Fixtures.roots.map(\.path))")
        }
        return try JSONDecoder().decode(NIfTIReferenceData.self, from: Data(contentsOf: url))
    }

    /// Absolute path of a file named in the reference (a sample file or a derived fixture).
    static func path(of name: String) -> String {
        let sample = Fixtures.projectRoot.appendingPathComponent("sample-data/nifti/\(name)")
        if FileManager.default.fileExists(atPath: sample.path) { return sample.path }
        if let url = Fixtures.files(named: name).first { return url.path }
        return Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/nifti/\(name)").path
    }

    /// A fresh path in the temporary folder.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-\(UUID().uuidString)-\(name)").path
    }
}
