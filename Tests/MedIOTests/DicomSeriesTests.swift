import Foundation
import Testing
import FixtureSupport
@testable import MedIO

/// Series assembly from real files: copies of CT_small.dcm with edited positions and UIDs.
@Suite struct DicomSeriesTests {
    /// CT_small decoded once, as the reference for every copy (intercept −1024 there).
    static func baseSlice() throws -> [Float] {
        try DicomFrames.read(path: DicomSamples.path("CT_small.dcm")).values
    }

    @Test func sortsSlicesAlongTheNormalAndBuildsTheAffine() throws {
        let dir = try DicomSamples.temporaryFolder("sort")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        // File names and instance numbers deliberately disagree with the spatial order.
        let ks: [Double] = [3, 0, 4, 1, 2]
        for (i, k) in ks.enumerated() { try s.write("f\(i).dcm", k: k, instance: 10 - i) }
        let scan = try DicomScan.scan(root: dir.path)
        #expect(scan.series.count == 1)
        #expect(scan.skipped.isEmpty)
        let volume = try DicomSeriesReader.load(try #require(scan.series.first))
        #expect(volume.size == [128, 128, 5])
        #expect(volume.warnings.isEmpty, "\(volume.warnings)")
        guard case let .dicom(ref) = volume.source else { Issue.record("not a DICOM volume"); return }
        // Slice z holds the copy written at k = z: its intercept offset is 10 z over the base.
        let base = try Self.baseSlice()
        let n = 128 * 128
        for z in 0..<5 {
            #expect(ref.slices[z].position == SyntheticSeries.position(Double(z)))
            let slice = Array(volume.voxels[(z * n)..<((z + 1) * n)])
            let expected = base.map { $0 + Float(10 * z) }
            #expect(Compare.allClose(slice, expected, shape: [128, 128], atol: 0, rtol: 0) == nil, "slice \(z)")
        }
        // Affine columns: row direction × column spacing, column direction × row spacing,
        // normal × step; translation = first position. PixelSpacing of CT_small is 0.661468.
        let ps = 0.661468
        let a = volume.indexToPatient
        for i in 0..<3 {
            #expect(abs(a[4 * i + 0] - SyntheticSeries.rowDirection[i] * ps) < 1e-9)
            #expect(abs(a[4 * i + 1] - SyntheticSeries.columnDirection[i] * ps) < 1e-9)
            #expect(abs(a[4 * i + 2] - SyntheticSeries.normal[i] * SyntheticSeries.step) < 1e-9)
            #expect(abs(a[4 * i + 3] - SyntheticSeries.origin[i]) < 1e-9)
        }
        // Voxel (x, y, z) maps to the position DICOM defines for that pixel of slice z.
        let (x, y, z) = (7.0, 11.0, 3.0)
        for i in 0..<3 {
            let mapped = a[4 * i] * x + a[4 * i + 1] * y + a[4 * i + 2] * z + a[4 * i + 3]
            let dicom = SyntheticSeries.position(z)[i] + x * ps * SyntheticSeries.rowDirection[i] + y * ps * SyntheticSeries.columnDirection[i]
            #expect(abs(mapped - dicom) < 1e-6)
        }
        #expect(volume.spacing.map { ($0 * 1e6).rounded() / 1e6 } == [ps, ps, SyntheticSeries.step])
    }

    @Test func missingSliceIsReportedOrRefused() throws {
        let dir = try DicomSamples.temporaryFolder("missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for (i, k) in [0.0, 1, 2, 4, 5].enumerated() { try s.write("f\(i).dcm", k: k, instance: i + 1) }
        let series = try #require(try DicomScan.scan(root: dir.path).series.first)
        let volume = try DicomSeriesReader.load(series)
        #expect(volume.sliceCount == 5)
        #expect(volume.warnings.contains { $0.contains("missing slices") && $0.contains("1 missing") }, "\(volume.warnings)")
        #expect(abs(volume.spacing[2] - SyntheticSeries.step) < 1e-9)
        #expect(throws: MedIOError.self) {
            try DicomSeriesReader.load(series, options: DicomSeriesOptions(missingSlices: .error))
        }
    }

    @Test func nonUniformSpacingIsReported() throws {
        let dir = try DicomSamples.temporaryFolder("nonuniform")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for (i, k) in [0.0, 1, 2, 3.5, 4.5].enumerated() { try s.write("f\(i).dcm", k: k, instance: i + 1) }
        let plan = DicomSeriesPlan.make(try #require(try DicomScan.scan(root: dir.path).series.first))
        #expect(plan.errors.isEmpty)
        #expect(plan.warnings.contains { $0.contains("non-uniform") }, "\(plan.warnings)")
    }

    @Test func duplicatePositionsAreRefusedByDefault() throws {
        let dir = try DicomSamples.temporaryFolder("dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for (i, k) in [0.0, 1, 1, 2].enumerated() { try s.write("f\(i).dcm", k: k, instance: i + 1) }
        let series = try #require(try DicomScan.scan(root: dir.path).series.first)
        do {
            _ = try DicomSeriesReader.load(series)
            Issue.record("duplicate positions were accepted")
        } catch let MedIOError.geometry(_, reason) {
            #expect(reason.contains("duplicate position"))
            #expect(reason.contains("f1.dcm") && reason.contains("f2.dcm"))
        }
        let lenient = try DicomSeriesReader.load(series, options: DicomSeriesOptions(duplicatePositions: .warn))
        #expect(lenient.sliceCount == 3)
        #expect(lenient.warnings.contains { $0.contains("dropped") && $0.contains("f2.dcm") }, "\(lenient.warnings)")
    }

    @Test func mixedSizesAreRefusedOrTheMinorityDropped() throws {
        let dir = try DicomSamples.temporaryFolder("mixed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for (i, k) in [0.0, 1, 2].enumerated() { try s.write("ct\(i).dcm", k: k, instance: i + 1) }
        // A real 64×64 MR image given the same series UID and geometry.
        try s.write("mr.dcm", source: "MR_small.dcm", k: 3, instance: 4)
        let series = try #require(try DicomScan.scan(root: dir.path).series.first)
        #expect(series.instances.count == 4)
        let plan = DicomSeriesPlan.make(series)
        #expect(plan.errors.contains { $0.contains("mixed image sizes") && $0.contains("64x64") }, "\(plan.errors)")
        #expect(throws: MedIOError.self) { try DicomSeriesReader.load(series) }
        let kept = try DicomSeriesReader.load(series, options: DicomSeriesOptions(mixedSizes: .warn))
        #expect(kept.size == [128, 128, 3])
        #expect(kept.warnings.contains { $0.contains("mr.dcm") }, "\(kept.warnings)")
    }

    @Test func localizersAreDroppedAndReported() throws {
        let dir = try DicomSamples.temporaryFolder("localizer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for (i, k) in [0.0, 1, 2, 3].enumerated() { try s.write("ax\(i).dcm", k: k, instance: i + 2) }
        // Labelled localizer, and an unlabelled one recognisable only by its orientation.
        try s.write("loc-labelled.dcm", k: 1.5, instance: 1, extra: ["-m", "(0008,0008)=ORIGINAL\\PRIMARY\\LOCALIZER"])
        try s.write("loc-unlabelled.dcm", k: 0.5, instance: 6, orientation: [0, 1, 0, 0, 0, -1])
        let volume = try DicomSeriesReader.load(try #require(try DicomScan.scan(root: dir.path).series.first))
        #expect(volume.sliceCount == 4)
        #expect(volume.warnings.contains { $0.contains("loc-labelled.dcm") && $0.contains("LOCALIZER") }, "\(volume.warnings)")
        #expect(volume.warnings.contains { $0.contains("loc-unlabelled.dcm") && $0.contains("orientation") }, "\(volume.warnings)")
    }

    @Test func aSeriesOfOnlyLocalizersIsAnErrorNotACrash() throws {
        let dir = try DicomSamples.temporaryFolder("only-localizers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = SyntheticSeries(folder: dir)
        for k in 0..<2 {
            try s.write("loc\(k).dcm", k: Double(k), instance: k + 1, extra: ["-m", "(0008,0008)=ORIGINAL\\PRIMARY\\LOCALIZER"])
        }
        let plan = DicomSeriesPlan.make(try #require(try DicomScan.scan(root: dir.path).series.first))
        #expect(plan.errors == ["every slice is a localizer (ImageType LOCALIZER)"])
        #expect(plan.dropped.count == 2)
    }

    @Test func folderWithTwoSeriesGivesTwoVolumesAndSkipsTheRest() throws {
        let dir = try DicomSamples.temporaryFolder("two")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Two series interleaved in one folder and a subfolder, plus non-image objects and a text file.
        let ct = SyntheticSeries(folder: dir)
        let mrFolder = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: mrFolder, withIntermediateDirectories: true)
        let mr = SyntheticSeries(folder: mrFolder, studyUID: ct.studyUID)
        for k in 0..<3 {
            try ct.write("img\(2 * k).dcm", k: Double(k), instance: k + 1)
            try mr.write("img\(2 * k + 1).dcm", source: "MR_small.dcm", k: Double(k), instance: k + 1)
        }
        try ct.write("extra-ct.dcm", k: 3, instance: 4)
        for other in ["test-SR.dcm", "liver_1frame.dcm"] {
            try FileManager.default.copyItem(atPath: DicomSamples.path(other), toPath: dir.appendingPathComponent(other).path)
        }
        try "not an image\n".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let scan = try DicomScan.scan(root: dir.path)
        #expect(scan.series.count == 2)
        let kinds = Dictionary(uniqueKeysWithValues: scan.skipped.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.kind) })
        #expect(kinds == ["test-SR.dcm": .nonImage, "liver_1frame.dcm": .nonImage, "notes.txt": .notDicom], "\(scan.skipped)")
        let outcomes = scan.loadAll()
        let sizes = try outcomes.map { try $0.result.get().size }.sorted { $0[0] < $1[0] }
        #expect(sizes == [[64, 64, 3], [128, 128, 4]])

        let listing = scan.listing()
        #expect(listing.count == 1 && listing[0].series.count == 2)
        #expect(listing[0].patientName == nil && listing[0].patientID == nil)
        let encoded = String(decoding: try JSONEncoder().encode(listing), as: UTF8.self)
        #expect(!encoded.contains("CompressedSamples"), "patient name leaked into the listing")
        let withPatient = try DicomScan.scan(root: dir.path, includePatient: true).listing()
        #expect(withPatient[0].patientName?.isEmpty == false)
    }
}
