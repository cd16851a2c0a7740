import Foundation
import XCTest

@testable import MedIO

/// What the writers put in their files, read back with DCMTK's dcmdump (not the bridge), and how
/// they fail on bad input.
final class DicomWriteOutputTests: XCTestCase {
    typealias S = DicomWriteTestSupport

    private var dir = ""

    override func setUpWithError() throws { dir = try S.scratchFolder("output") }
    override func tearDown() { S.removeScratch(dir) }

    private func scWriter(_ settings: DicomWriterSettings) -> DicomSecondaryCaptureWriter {
        DicomSecondaryCaptureWriter(
            settings: settings,
            series: DicomOutputSeries(seriesInstanceUID: settings.uids.uid(purpose: "series/sc"), seriesNumber: 9001,
                                      seriesDescription: "AI heatmap"))
    }

    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
    }

    func testSecondaryCaptureCarriesStudyIdentityProvenanceAndClock() throws {
        let src = try S.source("CT_small.dcm")
        let settings = try S.settings()
        let (rows, cols) = try S.size(src)
        let out = "\(dir)/sc.dcm"
        let written = try scWriter(settings).write(
            image: S.rgb(rows: rows, columns: cols), burnedInAnnotation: true,
            overlay: DicomOverlayMask(rows: rows, columns: cols, mask: S.mask(rows: rows, columns: cols)),
            source: try S.slice(src), instanceNumber: 7, to: out)

        let tags = ["0008,0016", "0008,0018", "0008,0008", "0008,0023", "0008,0033", "0008,0021", "0020,000d",
                    "0020,000e", "0010,0020", "0010,0010", "0020,0013", "0008,0064", "0028,0301", "0020,4000",
                    "0008,2111", "6000,0010", "6000,0011", "6000,0040", "6000,0050", "0028,0004", "0020,0060"]
        let v = try S.dump(out, tags)
        let s = try S.dump(src, ["0020,000d", "0010,0020", "0010,0010", "0008,0018"])
        XCTAssertEqual(v["0008,0016"], "=SecondaryCaptureImageStorage")
        XCTAssertEqual(v["0008,0018"], written.sopInstanceUID)
        XCTAssertEqual(v["0020,000e"], written.seriesInstanceUID)
        XCTAssertEqual(v["0020,000d"], s["0020,000d"])
        XCTAssertEqual(v["0010,0020"], s["0010,0020"])
        XCTAssertEqual(v["0010,0010"], s["0010,0010"])
        XCTAssertEqual(v["0008,0008"], "DERIVED\\SECONDARY")
        XCTAssertEqual(v["0008,0064"], "WSD")
        XCTAssertEqual(v["0028,0301"], "YES")
        XCTAssertEqual(v["0028,0004"], "RGB")
        XCTAssertEqual(v["0020,0013"], "7")
        // The fixed clock (1 700 000 000 s after the epoch) in UTC, formatted independently here.
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd"
        XCTAssertEqual(v["0008,0023"], f.string(from: S.fixedDate))
        XCTAssertEqual(v["0008,0021"], f.string(from: S.fixedDate))
        f.dateFormat = "HHmmss"
        XCTAssertEqual(v["0008,0033"], f.string(from: S.fixedDate))
        XCTAssertTrue(v["0020,4000"]?.contains("not for clinical use") == true)
        XCTAssertTrue(v["0020,4000"]?.contains(settings.provenance.weightsSHA256) == true)
        XCTAssertTrue(v["0008,2111"]?.contains("MedVMAD tiny 0.1.0") == true)
        XCTAssertEqual(v["6000,0010"], "\(rows)")
        XCTAssertEqual(v["6000,0011"], "\(cols)")
        XCTAssertEqual(v["6000,0040"], "G")
        XCTAssertEqual(v["6000,0050"], "1\\1")
        XCTAssertEqual(v["0020,0060"], "(no value available)", "Laterality present and empty")
        XCTAssertNil(v.keys.first { $0 == "0020,0052" }, "no FrameOfReferenceUID in an SC")
        XCTAssertEqual(try leftovers(), [], "temporary files left behind")
    }

    func testOverlayCopyDecodesToExplicitLittleEndianAndKeepsTheImage() throws {
        let src = try S.source("MR_small_RLE.dcm")
        let settings = try S.settings()
        let (rows, cols) = try S.size(src)
        let out = "\(dir)/copy.dcm"
        let series = DicomOutputSeries(seriesInstanceUID: settings.uids.uid(purpose: "series/copy"), seriesNumber: 9002,
                                       seriesDescription: "AI overlay")
        let written = try DicomOverlayCopyWriter(settings: settings, series: series)
            .write(source: try S.slice(src), overlay: DicomOverlayMask(rows: rows, columns: cols,
                                                                     mask: S.mask(rows: rows, columns: cols)), to: out)
        XCTAssertEqual(written.overlayGroup, 0x6000)
        let keep = ["0028,1050", "0028,1051", "0020,0013", "0008,0016", "0020,000d", "0020,0032"]
        let v = try S.dump(out, keep + ["0002,0010", "0008,0008", "0020,000e", "0008,0018"])
        let s = try S.dump(src, keep + ["0008,0008", "0020,000e"])
        XCTAssertEqual(v["0002,0010"], "=LittleEndianExplicit")
        for tag in keep { XCTAssertEqual(v[tag], s[tag], "attribute \(tag) changed") }
        XCTAssertEqual(v["0008,0008"]?.split(separator: "\\").first, "DERIVED")
        XCTAssertEqual(v["0008,0008"]?.split(separator: "\\").dropFirst(), s["0008,0008"]?.split(separator: "\\").dropFirst())
        XCTAssertEqual(v["0020,000e"], series.seriesInstanceUID)
        XCTAssertNotEqual(v["0020,000e"], s["0020,000e"])
        XCTAssertEqual(v["0008,0018"], written.sopInstanceUID)
        // Decoded pixels equal DCMTK's own decompression of the source (dcmdrle, an independent tool path).
        let reference = "\(dir)/reference.dcm"
        let (status, output) = try S.run(try S.tool("dcmdrle"), [src, reference])
        XCTAssertEqual(status, 0, output)
        let pixels = { (path: String) throws -> String in
            try S.run(try S.tool("dcmdump"), ["-q", "+L", "+P", "7fe0,0010", path]).output
                .components(separatedBy: "#")[0]
        }
        XCTAssertEqual(try pixels(out), try pixels(reference))
    }

    func testSameInputsGiveByteIdenticalFiles() throws {
        let src = try S.source("MR_small.dcm")
        let (rows, cols) = try S.size(src)
        let slice = try S.slice(src)
        var files: [Data] = []
        for run in 0..<3 {
            let writer = scWriter(try S.settings(seed: run < 2 ? "same" : "other"))
            let out = "\(dir)/sc-\(run).dcm"
            try writer.write(image: S.rgb(rows: rows, columns: cols), burnedInAnnotation: false, overlay: nil,
                             source: slice, instanceNumber: 1, to: out)
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(files[0], files[1])
        XCTAssertNotEqual(files[0], files[2], "a different seed must change the UIDs")
    }

    func testSegFromVolumeUsesVolumeGeometry() throws {
        let src = try S.source("CT_small.dcm")
        let settings = try S.settings()
        let (rows, cols) = try S.size(src)
        let slice = try S.slice(src)
        // CT_small: 0.661468 mm pixels, axial; a one-slice volume as the reader would build it.
        let sx = 0.661468, sy = 0.661468, sz = 5.0
        let p = slice.position
        let affine = [sx, 0, 0, p[0], 0, sy, 0, p[1], 0, 0, sz, p[2], 0, 0, 0, 1]
        let reference = DicomSeriesReference(studyInstanceUID: "", seriesInstanceUID: "", frameOfReferenceUID: "",
                                             seriesDescription: "", seriesNumber: nil, slices: [slice])
        let volume = Volume(size: [cols, rows, 1], voxels: [Float](repeating: 0, count: rows * cols), spacing: [sx, sy, sz],
                            indexToPatient: affine, modality: "CT", source: .dicom(reference))
        let out = "\(dir)/seg.dcm"
        let series = DicomOutputSeries(number: 9003, description: "AI SEG", purpose: "seg",
                                       sourceSeriesUID: "x", uids: settings.uids)
        try DicomSegWriter(settings: settings, series: series)
            .write(volume: volume, mask: S.mask(rows: rows, columns: cols), to: out)
        XCTAssertEqual(try S.dciodvfyErrors(out), [])
        let dumped = try S.run(try S.tool("dcmdump"), ["-q", out]).output
        XCTAssertTrue(dumped.contains("[0.661468\\0.661468]"), "PixelSpacing from the volume")
        XCTAssertTrue(dumped.contains("[1\\0\\0\\0\\1\\0]"), "ImageOrientationPatient from the volume")
        XCTAssertTrue(dumped.contains("[-158.135803\\-179.035797\\-75.699997]"), "ImagePositionPatient of the slice")
    }

    /// A sagittal volume with anisotropic pixels: row direction +y (anterior→posterior), column
    /// direction -z (feet-ward), 0.5 mm along x index, 2 mm along y index.
    func testSegGeometryFromAnObliqueVolumeAffine() {
        let affine: [Double] = [0, 0, 3, 10,
                                0.5, 0, 0, 20,
                                0, -2, 0, 30,
                                0, 0, 0, 1]
        let reference = DicomSeriesReference(studyInstanceUID: "", seriesInstanceUID: "", frameOfReferenceUID: "",
                                             seriesDescription: "", seriesNumber: nil, slices: [])
        let volume = Volume(size: [2, 2, 1], voxels: [0, 0, 0, 0], spacing: [0.5, 2, 3], indexToPatient: affine,
                            modality: "MR", source: .dicom(reference))
        let g = DicomSegWriter.Geometry(volume: volume)
        XCTAssertEqual(g.pixelSpacing, [2, 0.5], "DICOM PixelSpacing is row spacing (y) then column spacing (x)")
        XCTAssertEqual(g.orientation, [0, 1, 0, 0, 0, -1])
        XCTAssertEqual(g.sliceThickness, 3)
    }

    // MARK: - Failures: typed, naming the file, nothing left behind

    func testMissingAndTruncatedSourcesAreNamed() throws {
        let settings = try S.settings()
        let image = S.rgb(rows: 4, columns: 4)
        let missing = "\(dir)/does-not-exist.dcm"
        let truncated = "\(dir)/truncated.dcm"
        let full = try Data(contentsOf: URL(fileURLWithPath: try S.source("CT_small.dcm")))
        try full.prefix(600).write(to: URL(fileURLWithPath: truncated))
        for bad in [missing, truncated] {
            let ref = DicomSliceReference(path: bad, frame: 0, sopInstanceUID: "1.2", sopClassUID: "", position: [0, 0, 0])
            XCTAssertThrowsError(try scWriter(settings).write(image: image, burnedInAnnotation: false, overlay: nil,
                                                              source: ref, instanceNumber: 1, to: "\(dir)/o.dcm")) { error in
                guard case .sourceUnreadable(let path, _) = error as? DicomWriteError else {
                    return XCTFail("expected sourceUnreadable, got \(error)")
                }
                XCTAssertEqual(path, bad)
            }
            XCTAssertThrowsError(try DicomSegWriter(settings: settings, series: DicomOutputSeries(
                seriesInstanceUID: "1.2.3", seriesNumber: 1, seriesDescription: ""))
                .write(frames: [.init(source: ref, mask: [Bool](repeating: false, count: 16))], rows: 4, columns: 4,
                       geometry: nil, to: "\(dir)/s.dcm")) { error in
                XCTAssertEqual((error as? DicomWriteError).map { "\($0)" }?.hasPrefix(bad), true, "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/o.dcm"))
        XCTAssertEqual(try leftovers(), [])
    }

    func testInconsistentInputsAreRejected() throws {
        let settings = try S.settings()
        let ct = try S.source("CT_small.dcm"), mr = try S.source("MR_small.dcm"), emri = try S.source("emri_small.dcm")
        let ctSlice = try S.slice(ct)
        let (rows, cols) = try S.size(ct)
        let out = "\(dir)/x.dcm"
        func expect(_ body: () throws -> Void, _ check: (DicomWriteError) -> Bool, _ what: String) {
            XCTAssertThrowsError(try body(), what) { error in
                guard let e = error as? DicomWriteError, check(e) else { return XCTFail("\(what): got \(error)") }
            }
        }
        // Overlay of the wrong size for the image.
        expect({
            try self.scWriter(settings).write(image: S.rgb(rows: rows, columns: cols), burnedInAnnotation: false,
                                              overlay: DicomOverlayMask(rows: 3, columns: 3, mask: [Bool](repeating: true, count: 9)),
                                              source: ctSlice, instanceNumber: 1, to: out)
        }, { if case .invalidInput(out, _) = $0 { return true }; return false }, "overlay size")
        // Overlay copy with a mask not of the source's size.
        let series = DicomOutputSeries(seriesInstanceUID: "1.2.3", seriesNumber: 1, seriesDescription: "")
        expect({
            try DicomOverlayCopyWriter(settings: settings, series: series)
                .write(source: ctSlice, overlay: DicomOverlayMask(rows: 64, columns: 64, mask: [Bool](repeating: true, count: 4096)), to: out)
        }, { if case .invalidInput(out, _) = $0 { return true }; return false }, "copy overlay size")
        // Overlay copy of a multi-frame source.
        expect({
            try DicomOverlayCopyWriter(settings: settings, series: series)
                .write(source: try S.slice(emri), overlay: DicomOverlayMask(rows: 64, columns: 64, mask: [Bool](repeating: true, count: 4096)), to: out)
        }, { if case .unsupportedSource(emri, _) = $0 { return true }; return false }, "multi-frame copy")
        // SEG mixing two studies names the second source.
        let seg = DicomSegWriter(settings: settings, series: series)
        let geometry = DicomSegWriter.Geometry(pixelSpacing: [1, 1], sliceThickness: 1, orientation: [1, 0, 0, 0, 1, 0])
        var mrSlice = try S.slice(mr)
        mrSlice.position = [0, 0, 100]
        expect({
            try seg.write(frames: [.init(source: ctSlice, mask: S.mask(rows: 128, columns: 128)),
                                   .init(source: mrSlice, mask: S.mask(rows: 128, columns: 128))],
                          rows: 128, columns: 128, geometry: geometry, to: out)
        }, { if case .invalidInput(mr, _) = $0 { return true }; return false }, "mixed studies / sizes")
        // Enhanced source without geometry in the file and none passed.
        var emriSlice = try S.slice(emri)
        emriSlice.position = [0, 0, 0]
        expect({
            try seg.write(frames: [.init(source: emriSlice, mask: S.mask(rows: 64, columns: 64))], rows: 64, columns: 64,
                          geometry: nil, to: out)
        }, { if case .sourceMissingAttribute(emri, _) = $0 { return true }; return false }, "no geometry")
        // Two frames at one position.
        var second = emriSlice
        second.frame = 1
        expect({
            try seg.write(frames: [.init(source: emriSlice, mask: S.mask(rows: 64, columns: 64)),
                                   .init(source: second, mask: S.mask(rows: 64, columns: 64))],
                          rows: 64, columns: 64, geometry: geometry, to: out)
        }, { if case .invalidInput(out, _) = $0 { return true }; return false }, "duplicate positions")
        // Output folder that does not exist.
        expect({
            try self.scWriter(settings).write(image: S.rgb(rows: 2, columns: 2), burnedInAnnotation: false, overlay: nil,
                                              source: ctSlice, instanceNumber: 1, to: "\(self.dir)/missing/x.dcm")
        }, { if case .writeFailed = $0 { return true }; return false }, "missing folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try leftovers(), [])
    }
}
