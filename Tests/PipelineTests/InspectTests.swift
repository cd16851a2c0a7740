import FixtureSupport
import Foundation
import MedIO
import Testing
@testable import Pipeline

/// `medvmad inspect PATH...` listings (through `InputInventory`): studies, series with their geometry
/// problems, NIfTI headers checked against nibabel's reference values, and no patient data unless asked.
@Suite final class InspectTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("inspect")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test func listsSeriesProblemsAndNiftiHeaders() throws {
        let ct = ClinicalTestSupport.sampleDicom + "/CT_small.dcm"
        let origin = [-158.135803, -179.035797, -75.699997]
        // Slices 0, 1, 2 and 4: one missing. A second series holds two slices at one position.
        let gapped = try ClinicalTestSupport.writeSeries(from: ct, into: root + "/in/gap",
                                                         positions: [0.0, 1, 2, 4].map { [origin[0], origin[1], origin[2] + 2.5 * $0] },
                                                         orientation: [1, 0, 0, 0, 1, 0])
        try ClinicalTestSupport.writeSeries(from: ct, into: root + "/in/dup", positions: [origin, origin], orientation: [1, 0, 0, 0, 1, 0])
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.sampleDicom + "/test-SR.dcm", toPath: root + "/in/report.dcm")
        let oblique = ClinicalTestSupport.niftiFixtures + "/oblique_anatomical.nii.gz"
        try FileManager.default.copyItem(atPath: oblique, toPath: root + "/in/oblique.nii.gz")
        // Not gzip at all: the header cannot be read.
        try Data("not a NIfTI file".utf8).write(to: URL(fileURLWithPath: root + "/in/broken.nii.gz"))

        let inventory = try InputInventory.scan([root + "/in"])
        let text = inventory.lines().joined(separator: "\n")
        let gapHeader = try DicomHeader.read(path: gapped[0])
        #expect(inventory.studies.count == 1 && inventory.studies[0].series.count == 2, "\(text)")
        #expect(text.contains("series \(gapHeader.seriesNumber.map { "#\($0) " } ?? "")\(gapHeader.seriesInstanceUID)"), "\(text)")
        #expect(text.contains("CT \"\(gapHeader.seriesDescription)\"") || gapHeader.seriesDescription.isEmpty, "\(text)")
        let gap = try #require(inventory.studies[0].series.first { $0.seriesInstanceUID == gapHeader.seriesInstanceUID })
        #expect((gap.warnings + gap.errors).contains { $0.lowercased().contains("missing") }, "\(gap)")
        let dup = try #require(inventory.studies[0].series.first { $0.seriesInstanceUID != gapHeader.seriesInstanceUID })
        #expect((dup.warnings + dup.errors + dup.dropped.map(\.reason)).contains { $0.lowercased().contains("duplicate") }, "\(dup)")
        #expect(text.contains("skipped \(root)/in/report.dcm: not an image"), "\(text)")

        // NIfTI: dims, voxel size, codes, datatype and the affine as nibabel reads them.
        let reference = try #require(Self.nibabelReference()["oblique_anatomical.nii.gz"])
        let shape = (reference["shape"] as! [Int]).map(String.init).joined(separator: "×")
        #expect(text.contains("nifti \(root)/in/oblique.nii.gz\n    NIfTI-1, dims \(shape)"), "\(text)")
        #expect(text.contains("datatype int16 (4)"))
        #expect(text.contains("qform_code \(reference["qform_code"]!), sform_code \(reference["sform_code"]!); voxel-to-RAS affine from the sform"))
        let affine = reference["affine"] as! [Double]
        let printed = try Self.affineRows(after: "nifti \(root)/in/oblique.nii.gz", in: inventory.lines())
        // %g prints 6 significant digits: 1e-5 relative (plus 1e-5 absolute for zeros).
        for (i, value) in printed.enumerated() {
            #expect(abs(value - affine[i]) <= 1e-5 * abs(affine[i]) + 1e-5, "affine[\(i)] \(value) vs nibabel \(affine[i])")
        }
        #expect(text.contains("nifti \(root)/in/broken.nii.gz\n    error:"), "\(text)")
        #expect(!text.contains("broken.nii.gz: not DICOM"), "NIfTI files are not listed as skipped DICOM")
    }

    /// Patient name and ID appear only when asked for.
    @Test func patientDataOnlyWhenAsked() throws {
        let mr = ClinicalTestSupport.sampleDicom + "/MR_small.dcm"
        let patient = try ClinicalTestSupport.run("/usr/bin/dcmdump", ["+P", "0010,0010", "+P", "0010,0020", mr]).output
        let values = patient.split(separator: "\n").compactMap { line -> String? in
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }.filter { !$0.isEmpty }
        try #require(!values.isEmpty, "MR_small has a patient name or ID to hide")
        let hidden = try InputInventory.scan([mr]).lines().joined(separator: "\n")
        let shown = try InputInventory.scan([mr], includePatient: true).lines().joined(separator: "\n")
        for value in values {
            #expect(!hidden.contains(value), "\(value) shown without --show-patient")
            #expect(shown.contains(value), "\(value) not shown with --show-patient")
        }
    }

    static func nibabelReference() throws -> [String: [String: Any]] {
        let url = try #require(Fixtures.files(named: "nifti-reference.json").first)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return object["files"] as! [String: [String: Any]]
    }

    /// The 12 numbers of the three affine rows printed after the line `heading`.
    static func affineRows(after heading: String, in lines: [String]) throws -> [Double] {
        let start = try #require(lines.firstIndex(of: heading))
        let rows = lines[(start + 1)...].filter { $0.hasPrefix("      [") }.prefix(3)
        return rows.flatMap { $0.trimmingCharacters(in: CharacterSet(charactersIn: " []")).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! } }
    }
}
