import Foundation
import CDcmBridge

/// Header attributes of one DICOM file, read without its pixel data.
///
/// Patient name and ID are only filled when asked for (`includePatient`), so that scans, listings
/// and logs carry no patient data by default.
public struct DicomHeader: Sendable, Equatable {
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String
    public var transferSyntaxUID: String
    public var modality: String
    public var seriesDescription: String
    public var seriesNumber: Int?
    public var instanceNumber: Int?
    /// ImageType values ("ORIGINAL", "PRIMARY", "AXIAL", "LOCALIZER", …).
    public var imageType: [String]
    public var photometricInterpretation: String
    public var rows: Int
    public var columns: Int
    /// NumberOfFrames (1 when absent).
    public var frames: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var pixelRepresentation: Int
    public var samplesPerPixel: Int
    public var hasPixelData: Bool
    public var hasModalityLUT: Bool
    /// True for enhanced multi-frame objects: geometry lives in the functional groups.
    public var hasFunctionalGroups: Bool
    /// Geometry, rescale and window at the top level of the dataset (single-frame objects;
    /// enhanced multi-frame objects keep theirs in functional groups, see `DicomFrameGeometry.readAll`).
    public var geometry: DicomFrameGeometry
    /// ImagerPixelSpacing [row, column] in mm: projection radiographs, at the detector plane.
    public var imagerPixelSpacing: [Double]?
    /// Only with `includePatient`.
    public var patientName: String?
    public var patientID: String?

    /// Reads the header of `path` (pixel data stays on disk).
    public static func read(path: String, includePatient: Bool = false) throws -> DicomHeader {
        var h = dcmbridge_header()
        try DcmBridge.call(path) { msg, size in
            dcmbridge_read_header(path, includePatient ? Int32(DCMBRIDGE_WITH_PATIENT.rawValue) : 0, &h, msg, size)
        }
        return DicomHeader(path: path, bridge: h, includePatient: includePatient)
    }

    init(path: String, bridge h: dcmbridge_header, includePatient: Bool) {
        self.path = path
        sopClassUID = DcmBridge.string(h.sop_class_uid)
        sopInstanceUID = DcmBridge.string(h.sop_instance_uid)
        studyInstanceUID = DcmBridge.string(h.study_instance_uid)
        seriesInstanceUID = DcmBridge.string(h.series_instance_uid)
        frameOfReferenceUID = DcmBridge.string(h.frame_of_reference_uid)
        transferSyntaxUID = DcmBridge.string(h.transfer_syntax_uid)
        modality = DcmBridge.string(h.modality)
        seriesDescription = DcmBridge.string(h.series_description)
        seriesNumber = h.has_series_number != 0 ? Int(h.series_number) : nil
        instanceNumber = h.has_instance_number != 0 ? Int(h.instance_number) : nil
        // Empty values keep their place: ImageType value 3 has a meaning of its own.
        let types = DcmBridge.string(h.image_type)
        imageType = types.isEmpty ? [] : types.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).uppercased() }
        photometricInterpretation = DcmBridge.string(h.photometric_interpretation)
        rows = Int(h.rows)
        columns = Int(h.columns)
        frames = Int(h.frames)
        bitsAllocated = Int(h.bits_allocated)
        bitsStored = Int(h.bits_stored)
        pixelRepresentation = Int(h.pixel_representation)
        samplesPerPixel = Int(h.samples_per_pixel)
        hasPixelData = h.has_pixel_data != 0
        hasModalityLUT = h.has_modality_lut != 0
        hasFunctionalGroups = h.has_functional_groups != 0
        geometry = DicomFrameGeometry(bridge: h.top_level)
        imagerPixelSpacing = h.has_imager_pixel_spacing != 0 ? DcmBridge.doubles(h.imager_pixel_spacing) : nil
        patientName = includePatient ? DcmBridge.string(h.patient_name) : nil
        patientID = includePatient ? DcmBridge.string(h.patient_id) : nil
    }

    /// The range BitsStored and PixelRepresentation allow for stored values (before rescale).
    public var storedValueRange: ClosedRange<Double> {
        let bits = Double(max(bitsStored, 1))
        return pixelRepresentation == 1 ? -pow(2, bits - 1)...(pow(2, bits - 1) - 1) : 0...(pow(2, bits) - 1)
    }

    /// Values per frame.
    public var frameValueCount: Int { rows * columns }
}
