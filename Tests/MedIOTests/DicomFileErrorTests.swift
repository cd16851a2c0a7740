import Foundation
import Testing
import FixtureSupport
@testable import MedIO

/// Bad input gives a typed error naming the file, never a crash; odd but valid objects load.
@Suite struct DicomFileErrorTests {
    /// The path an error names, for the cases that carry one.
    static func path(of error: MedIOError) -> String? {
        switch error {
        case let .unreadable(p, _), let .invalid(p, _), let .unsupported(p, _), let .decodeFailed(p, _),
             let .limitExceeded(p, _), let .nothingFound(p, _), let .writeFailed(p, _):
            return p
        case .geometry, .environment:
            return nil
        }
    }

    @Test func truncatedFileIsAPerFileError() throws {
        let path = DicomSamples.path("MR_truncated.dcm")
        do {
            _ = try DicomFrames.read(path: path)
            Issue.record("a truncated file decoded")
        } catch let error as MedIOError {
            #expect(Self.path(of: error) == path, "\(error)")
        }
    }

    /// The JPEG 2000 object cut short: DCMTK already fails parsing the encapsulated sequence.
    @Test func truncatedJPEG2000ObjectIsAPerFileError() throws {
        let path = DicomSamples.path("emri_small_jpeg_2k_lossless_too_short.dcm")
        do {
            _ = try DicomFrames.read(path: path)
            Issue.record("a truncated JPEG 2000 stream decoded")
        } catch let error as MedIOError {
            #expect(Self.path(of: error) == path, "\(error)")
        }
    }

    @Test func fileWithoutPixelDataIsSkippedAndRefused() throws {
        let dir = try DicomSamples.temporaryFolder("nopixels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ct-no-pixels.dcm").path
        try FileManager.default.copyItem(atPath: DicomSamples.path("CT_small.dcm"), toPath: path)
        try DicomSamples.dcmodify(path, ["-e", "(7fe0,0010)"])
        #expect(throws: MedIOError.invalid(path: path, reason: "no pixel data")) { try DicomFrames.read(path: path) }
        let scan = try DicomScan.scan(root: dir.path)
        #expect(scan.series.isEmpty)
        #expect(scan.skipped.count == 1 && scan.skipped.first?.kind == .nonImage && scan.skipped.first?.reason.contains("no pixel data") == true)
    }

    @Test func missingAndNonDicomFilesAreUnreadable() throws {
        let missing = "/nonexistent/medio/file.dcm"
        #expect(throws: MedIOError.self) { try DicomHeader.read(path: missing) }
        #expect(throws: MedIOError.nothingFound(path: missing, reason: "no such file or folder")) { try DicomScan.scan(root: missing) }
        let readme = DicomSamples.path("README.md")
        do {
            _ = try DicomHeader.read(path: readme)
            Issue.record("a Markdown file parsed as DICOM")
        } catch let error as MedIOError {
            #expect(Self.path(of: error) == readme)
        }
    }

    @Test func hugeDeclaredDimensionsAreRefusedBeforeDecoding() throws {
        let path = DicomSamples.path("eCT_Supplemental.dcm")
        // 512 × 512 × 2 frames = 524 288 values; a cap just below refuses it.
        let limits = DicomReadLimits(maxValuesPerObject: 512 * 512 * 2 - 1)
        do {
            _ = try DicomFrames.read(path: path, limits: limits)
            Issue.record("limit not enforced")
        } catch let MedIOError.limitExceeded(p, reason) {
            #expect(p == path)
            #expect(reason.contains("512 x 512 x 2"))
        }
        let dir = try DicomSamples.temporaryFolder("huge")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: path, toPath: dir.appendingPathComponent("ect.dcm").path)
        let scan = try DicomScan.scan(root: dir.path, limits: limits)
        #expect(scan.skipped.first?.kind == .limitExceeded)
    }

    @Test func oneBitSegmentationIsRefusedWhenDecodedDirectly() throws {
        // A scan skips SEG objects; decoding one directly must refuse with a reason, not crash.
        let path = DicomSamples.path("liver_1frame.dcm")
        do {
            _ = try DicomFrames.read(path: path)
            Issue.record("1-bit data decoded")
        } catch let MedIOError.unsupported(p, reason) {
            #expect(p == path)
            #expect(reason.contains("BitsAllocated 1"))
        }
    }
}

/// Multi-frame and 2-D objects through the series path.
@Suite struct DicomMultiFrameTests {
    @Test func enhancedCTUsesPerFrameFunctionalGroups() throws {
        let name = "eCT_Supplemental.dcm"
        let ref = try #require(try DicomSamples.reference().files[name])
        let scan = try DicomScan.scan(root: DicomSamples.path(name))
        let series = try #require(scan.series.first)
        let volume = try DicomSeriesReader.load(series)
        #expect(volume.size == [ref.columns, ref.rows, ref.frames])
        guard case let .dicom(r) = volume.source else { Issue.record("not DICOM"); return }
        // Positions come from each frame's PlanePositionSequence (pydicom, per-frame groups).
        // IOP is (−1,0,0, 0,1,0), so the normal is (0,0,−1): ascending along it is descending z.
        let expected = ref.positions.compactMap { $0 }.sorted { $0[2] > $1[2] }
        #expect(r.slices.map(\.position) == expected)
        #expect(r.slices.map(\.frame).sorted() == [0, 1])
        // Frames are 10 mm apart.
        #expect(abs(volume.spacing[2] - 10) < 1e-9)
        #expect(volume.voxels.min() == Float(ref.min) && volume.voxels.max() == Float(ref.max))
    }

    @Test func multiFrameWithoutPositionsIsAGeometryError() throws {
        let scan = try DicomScan.scan(root: DicomSamples.path("emri_small.dcm"))
        let series = try #require(scan.series.first)
        do {
            _ = try DicomSeriesReader.load(series)
            Issue.record("frames without positions were stacked")
        } catch let MedIOError.geometry(_, reason) {
            #expect(reason.contains("lack ImagePositionPatient"))
        }
    }

    @Test func monochrome1RadiographLoadsAsOneSliceWithWarnings() throws {
        let name = "RG3_J2KI.dcm"
        let ref = try #require(try DicomSamples.reference().files[name])
        let volume = try DicomSeriesReader.load(try #require(try DicomScan.scan(root: DicomSamples.path(name)).series.first))
        #expect(volume.size == [ref.columns, ref.rows, 1])
        #expect(volume.warnings.contains { $0.contains("MONOCHROME1") })
        #expect(volume.warnings.contains { $0.contains("identity orientation") })
        #expect(volume.warnings.contains { $0.contains("no PixelSpacing: 1 mm assumed") })
        // The file's window refers to un-inverted values: 10 stored bits, no rescale, so the
        // mirrored center is 1023 − center and the width is unchanged.
        let original = try #require(try DicomHeader.read(path: DicomSamples.path(name)).geometry.window)
        #expect(volume.suggestedWindow == Window(center: 1023 - original.center, width: original.width))
        #expect(Double(volume.voxels.reduce(0.0) { $0 + Double($1) }) == ref.sum)
    }

    @Test func radiographFallsBackToImagerPixelSpacingWithAWarning() throws {
        let dir = try DicomSamples.temporaryFolder("imager")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cr.dcm").path
        try FileManager.default.copyItem(atPath: DicomSamples.path("RG3_J2KI.dcm"), toPath: path)
        try DicomSamples.dcmodify(path, ["-i", "(0018,1164)=0.175\\0.15"])
        let plan = DicomSeriesPlan.make(try #require(try DicomScan.scan(root: dir.path).series.first))
        #expect(plan.spacing[0] == 0.15 && plan.spacing[1] == 0.175)
        #expect(plan.warnings.contains { $0.contains("ImagerPixelSpacing used") })
    }
}
