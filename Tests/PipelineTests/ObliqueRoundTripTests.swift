import Foundation
import MedIO
import Testing
@testable import Pipeline

/// An oblique DICOM series written back as SEG, overlay copies and NIfTI overlays its source exactly.
///
/// The series is the real CT_small rotated: its geometry (orientation, positions, spacing) turned by
/// 20° about z and 25° about x around the volume centre, consistently for all five slices; its
/// pixels replaced by air (−1024 HU) except a bright 14×14 block (+1000 HU) in slice 1, rows
/// 20–33, columns 90–103 — a marker placed off every symmetry axis, so any flip moves it.
///
/// With background slices skipped and the pixel threshold at 0, the analysed planes (map > 0) along
/// each analysis axis are exactly the planes through the marker, whatever the model computes. Three
/// runs (axial, coronal, sagittal) therefore pin the marker in the outputs on all three axes; the
/// checks compare those planes with the marker's patient position taken from the source headers.
@Suite final class ObliqueRoundTripTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("oblique")
    }

    deinit {
        // MEDVMAD_KEEP_TEST_OUTPUT keeps the inputs and outputs for inspection.
        if ProcessInfo.processInfo.environment["MEDVMAD_KEEP_TEST_OUTPUT"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else {
            print("kept \(root)")
        }
    }

    static let sliceCount = 5
    static let markerSlice = 1
    static let markerRows = 20...33
    static let markerColumns = 90...103
    static let markerStored: Int16 = 2024
    static let spacing = 0.661468
    static let step = 2.5

    /// R = Rz(20°) · Rx(25°).
    static let rotation: [[Double]] = {
        let (a, b) = (20.0 * .pi / 180, 25.0 * .pi / 180)
        let rz = [[cos(a), -sin(a), 0], [sin(a), cos(a), 0], [0, 0, 1.0]]
        let rx = [[1.0, 0, 0], [0, cos(b), -sin(b)], [0, sin(b), cos(b)]]
        return (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + rz[i][$1] * rx[$1][j] } } }
    }()

    static func rotate(_ v: [Double]) -> [Double] {
        (0..<3).map { i in (0..<3).reduce(0) { $0 + rotation[i][$1] * v[$1] } }
    }

    /// Writes the rotated series; returns its files in slice order and the rotated geometry
    /// (orientation and positions as written, i.e. after DS rounding).
    func writeSeries() throws -> (files: [String], orientation: [Double], positions: [[Double]]) {
        let ct = ClinicalTestSupport.sampleDicom + "/CT_small.dcm"
        let origin = [-158.135803, -179.035797, -75.699997]
        let n = 128
        let centre = [origin[0] + Double(n - 1) / 2 * Self.spacing, origin[1] + Double(n - 1) / 2 * Self.spacing,
                      origin[2] + Double(Self.sliceCount - 1) / 2 * Self.step]
        let positions = (0..<Self.sliceCount).map { k -> [Double] in
            let p = [origin[0], origin[1], origin[2] + Self.step * Double(k)]
            let turned = Self.rotate(zip(p, centre).map { $0 - $1 })
            return zip(turned, centre).map { $0 + $1 }
        }
        let orientation = Self.rotate([1, 0, 0]) + Self.rotate([0, 1, 0])
        let files = try ClinicalTestSupport.writeSeries(from: ct, into: root + "/in", positions: positions, orientation: orientation,
                                                       extra: ["-m", "(0028,1052)=-1024", "-m", "(0028,1053)=1"])
        for (k, file) in files.enumerated() {
            var pixels = [Int16](repeating: 0, count: n * n)
            if k == Self.markerSlice {
                for r in Self.markerRows { for c in Self.markerColumns { pixels[r * n + c] = Self.markerStored } }
            }
            try ClinicalTestSupport.replacePixels(in: file, values: pixels)
        }
        let parse = { (s: String) in s.split(separator: "\\").map { Double($0)! } }
        return (files, parse(ClinicalTestSupport.decimalString(orientation)), positions.map { parse(ClinicalTestSupport.decimalString($0)) })
    }

    @Test func segOverlayAndNiftiOverlayTheObliqueSource() throws {
        try ClinicalTestSupport.makeModel(at: root + "/model")
        try ClinicalTestSupport.writeCalibration(model: root + "/model", pixelThreshold: 0, imageThreshold: 0.5)
        let (files, orientation, positions) = try writeSeries()
        // The source reads back with the marker where it was put (a check of the test's own input).
        let volume = try DicomSeriesReader.load(try #require(try DicomScan.scan(root: root + "/in").series.first))
        let marker = volume.voxels.indices.filter { volume.voxels[$0] > 500 }
        #expect(marker.count == Self.markerRows.count * Self.markerColumns.count)
        #expect(marker.first == (Self.markerSlice * 128 + Self.markerRows.lowerBound) * 128 + Self.markerColumns.lowerBound)

        // The DICOM index-to-patient transform from the headers as written: columns along the row
        // direction, rows along the column direction, slices from first to last position.
        let row = Array(orientation[0..<3]), column = Array(orientation[3..<6])
        let slice = (0..<3).map { (positions[Self.sliceCount - 1][$0] - positions[0][$0]) / Double(Self.sliceCount - 1) }
        var lps = [Double](repeating: 0, count: 16)
        for i in 0..<3 {
            lps[4 * i] = row[i] * Self.spacing
            lps[4 * i + 1] = column[i] * Self.spacing
            lps[4 * i + 2] = slice[i]
            lps[4 * i + 3] = positions[0][i]
        }
        lps[15] = 1
        let ras = (0..<16).map { i in i < 8 ? -lps[i] : lps[i] }

        var runs: [[String: Any]] = []
        let expectedPlanes: [SliceAxisName: ClosedRange<Int>] = [.axial: Self.markerSlice...Self.markerSlice,
                                                                .coronal: Self.markerRows, .sagittal: Self.markerColumns]
        let volumeAxis: [SliceAxisName: Int] = [.sagittal: 0, .coronal: 1, .axial: 2]
        for axis in [SliceAxisName.axial, .coronal, .sagittal] {
            let output = root + "/out-\(axis.rawValue)"
            let (outcomes, _) = try ClinicalTestSupport.infer([root + "/in"], model: root + "/model", output: output,
                                                             formats: [.seg, .overlay, .nifti], axis: axis, skipEmpty: true)
            #expect(outcomes.count == 1 && outcomes[0].error == nil, "\(axis): \(outcomes)")
            guard let outcome = outcomes.first, outcome.error == nil else { continue }
            let folder = output + "/" + outcome.folder
            runs.append(["folder": output, "axis": axis.rawValue])

            // Only the planes through the marker were analysed (the others are background).
            let results = try ClinicalTestSupport.json(folder + "/results.json")
            let analysed = (results["sliceScores"] as! [[String: Any]]).map { $0["index"] as! Int }
            #expect(analysed == Array(expectedPlanes[axis]!), "\(axis)")

            // NIfTI: the source grid's transform in RAS (x and y negated), and map > 0 exactly on
            // the marker's planes along the analysis axis.
            let map = try NiftiReader().read(path: folder + "/nifti/anomaly-map.nii.gz")
            #expect(map.size == [128, 128, Self.sliceCount])
            guard case let .nifti(reference) = map.source else { Issue.record("not read as NIfTI"); continue }
            // float32 NIfTI fields: 1e-4 mm is far below the 0.66 mm voxels.
            for i in 0..<12 { #expect(abs(reference.rasAffine[i] - ras[i]) < 1e-4, "\(axis) affine[\(i)]: \(reference.rasAffine[i]) vs \(ras[i])") }
            var planes = Set<Int>()
            for (i, v) in map.voxels.enumerated() where v > 0 {
                let index = [i % 128, (i / 128) % 128, i / (128 * 128)]
                planes.insert(index[volumeAxis[axis]!])
            }
            #expect(planes.sorted() == Array(expectedPlanes[axis]!), "\(axis)")

            for path in ClinicalTestSupport.dicomFiles(under: folder) {
                #expect(try ClinicalTestSupport.dciodvfyErrors(path) == [], "\(path)")
            }
        }

        // Independent readers: highdicom for the SEG's references and plane geometry, pydicom for
        // the sources and overlay copies, nibabel for the NIfTI affine; the marker's patient
        // position from the source headers against the analysed planes in every output.
        guard ClinicalTestSupport.python != nil else {
            print("MEDVMAD_PYTHON unset: skipping the highdicom/pydicom/nibabel checks of the oblique round trip")
            return
        }
        let (status, output) = try ClinicalTestSupport.checkWithValidators(
            ["outputs": runs, "dicom_sources": files, "marker_value": Int(Self.markerStored), "expect_series": 3], in: root)
        print(output)
        #expect(status == 0, "\(output)")
        #expect(output.contains("checked 3 series, 0 problems"), "\(output)")
    }
}
