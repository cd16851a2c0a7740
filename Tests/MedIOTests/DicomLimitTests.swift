import Foundation
import Testing
@testable import MedIO

/// Declared sizes are untrusted: frame counts and codestream dimensions are checked before the
/// memory they imply is allocated.
@Suite struct DicomLimitTests {
    /// A 1 × 1 image claiming ten million frames: few values in all, but per-frame geometry for
    /// every frame would be read (about 2 GB) before any pixel, so the frame count is capped itself.
    @Test func absurdFrameCountIsRefusedBeforeReading() throws {
        let dir = try DicomSamples.temporaryFolder("frames")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("frames.dcm").path
        try FileManager.default.copyItem(atPath: DicomSamples.path("CT_small.dcm"), toPath: path)
        try DicomSamples.dcmodify(path, ["-m", "(0028,0010)=1", "-m", "(0028,0011)=1", "-i", "(0028,0008)=10000000"])
        let header = try DicomHeader.read(path: path)
        #expect(header.frames == 10_000_000 && header.rows == 1)
        do {
            _ = try DicomFrames.read(path: path)
            Issue.record("ten million frames were read")
        } catch let MedIOError.limitExceeded(p, reason) {
            #expect(p == path)
            #expect(reason.contains("10000000 frames"), "\(reason)")
        }
        let scan = try DicomScan.scan(root: dir.path)
        #expect(scan.series.isEmpty)
        #expect(scan.skipped.first?.kind == .limitExceeded)
    }

    @Test func frameLimitIsConfigurable() throws {
        let path = DicomSamples.path("eCT_Supplemental.dcm")  // two frames
        #expect(throws: Never.self) { _ = try DicomFrames.read(path: path, limits: DicomReadLimits(maxFrames: 2)) }
        do {
            _ = try DicomFrames.read(path: path, limits: DicomReadLimits(maxFrames: 1))
            Issue.record("frame limit not enforced")
        } catch let MedIOError.limitExceeded(p, reason) {
            #expect(p == path)
            #expect(reason.contains("2 frames"), "\(reason)")
        }
    }

    /// The JPEG 2000 codestream's own size decides what OpenJPEG allocates, so it is compared
    /// with the (limit-checked) header before decoding.
    @Test func codestreamLargerThanTheHeaderIsRefusedBeforeDecoding() throws {
        let dir = try DicomSamples.temporaryFolder("j2k")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j2k.dcm").path
        try FileManager.default.copyItem(atPath: DicomSamples.path("MR_small_jp2klossless.dcm"), toPath: path)
        let original = try DicomHeader.read(path: path)
        try DicomSamples.dcmodify(path, ["-m", "(0028,0010)=16", "-m", "(0028,0011)=16"])
        do {
            _ = try DicomFrames.read(path: path)
            Issue.record("a codestream larger than its header decoded")
        } catch let error as MedIOError {
            #expect(DicomFileErrorTests.path(of: error) == path)
            #expect("\(error)".contains("codestream declares 1 component(s) of \(original.columns)x\(original.rows)"), "\(error)")
        }
    }
}
