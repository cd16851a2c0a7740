import Foundation
import Testing
import FixtureSupport
@testable import MedIO

/// Decoded pixels against values computed independently with pydicom (make_dicom_reference.py).
@Suite struct DicomDecodeTests {
    @Test(arguments: [
        "CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm", "JPGExtended.dcm", "JPEG-LL.dcm",
        "JPEG2000.dcm", "J2K_pixelrep_mismatch.dcm", "emri_small.dcm", "emri_small_jpeg_2k_lossless.dcm",
        "eCT_Supplemental.dcm", "RG3_J2KI.dcm", "examples_overlay.dcm",
    ])
    func decodedValuesMatchPydicom(name: String) throws {
        let ref = try #require(try DicomSamples.reference().files[name])
        let header = try DicomHeader.read(path: DicomSamples.path(name))
        #expect(header.transferSyntaxUID == ref.transferSyntax)
        #expect(header.sopClassUID == ref.sopClass)
        #expect(header.frames == ref.frames && header.rows == ref.rows && header.columns == ref.columns)
        let frames = try DicomFrames.read(header: header)
        #expect(frames.inverted == ref.inverted)
        #expect(frames.rescaled == ref.rescaled)
        // Lossless data: both sides produce the same integers and the rescales are integer-valued,
        // so min, max and probes are exact in float32. Lossy JPEG (process 2/4) is decoded by
        // DCMTK's IJG code here and by libjpeg 9 in pydicom; their IDCTs round differently, so a
        // few units per pixel and 0.2 % of the sum are allowed there. (Lossy JPEG 2000 uses
        // OpenJPEG on both sides and stays exact.)
        let lossyJPEG = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"].contains(ref.transferSyntax)
        let valueTolerance = lossyJPEG ? 3.0 : 0.0
        let sumTolerance = lossyJPEG ? 2e-3 : 1e-6
        #expect(abs(Double(frames.minValue) - ref.min) <= valueTolerance)
        #expect(abs(Double(frames.maxValue) - ref.max) <= valueTolerance)
        let n = header.rows * header.columns
        for f in 0..<frames.frameCount {
            let sum = frames.values[(f * n)..<((f + 1) * n)].reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - ref.frameSums[f]) <= sumTolerance * max(1, abs(ref.frameSums[f])), "frame \(f) sum \(sum) vs \(ref.frameSums[f])")
        }
        for p in ref.probes {
            let v = frames.values[p.frame * n + p.y * header.columns + p.x]
            #expect(abs(Double(v) - p.value) <= valueTolerance, "frame \(p.frame) y \(p.y) x \(p.x)")
        }
    }

    /// Header attributes against pydicom's reading of the same files.
    @Test(arguments: ["CT_small.dcm", "MR_small_jp2klossless.dcm", "JPGExtended.dcm", "J2K_pixelrep_mismatch.dcm",
                      "eCT_Supplemental.dcm", "RG3_J2KI.dcm", "examples_overlay.dcm"])
    func headerMatchesPydicom(name: String) throws {
        let ref = try #require(try DicomSamples.reference().files[name]).header
        let path = DicomSamples.path(name)
        let h = try DicomHeader.read(path: path)
        #expect(h.studyInstanceUID == ref.studyInstanceUID)
        #expect(h.seriesInstanceUID == ref.seriesInstanceUID)
        #expect(h.sopInstanceUID == ref.sopInstanceUID)
        // Empty values keep their place (pydicom gives them as empty strings).
        #expect(h.imageType == ref.imageType.map { $0.uppercased() })
        #expect(h.bitsStored == ref.bitsStored && h.pixelRepresentation == ref.pixelRepresentation)
        #expect(h.geometry.pixelSpacing == ref.pixelSpacing)
        #expect(h.geometry.position == ref.imagePosition)
        #expect(h.geometry.orientation == ref.imageOrientation)
        #expect(h.geometry.rescaleSlope.map { [$0, h.geometry.rescaleIntercept!] } == ref.rescale)
        #expect(h.geometry.window?.center == ref.windowCenter)
        // Patient data only on request.
        #expect(h.patientName == nil && h.patientID == nil)
        let withPatient = try DicomHeader.read(path: path, includePatient: true)
        #expect(withPatient.patientName == ref.patientName)
    }
}
