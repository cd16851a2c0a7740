/// A 3-D image in physical units with its geometry, from DICOM or NIfTI.
///
/// Voxels are float32 in the modality's physical units (Hounsfield for CT, after per-slice
/// rescale) stored x fastest: `voxels[(z * ny + y) * nx + x]`, where x runs along a row
/// (DICOM columns), y down the rows and z over slices or frames. Geometry is always in the
/// patient coordinate system DICOM uses (LPS, millimetres); NIfTI's RAS appears only in its
/// reader and writer.
public struct Volume: Sendable {
    /// Extent [nx, ny, nz].
    public var size: [Int]
    /// Values, `size.reduce(1, *)` of them, x fastest.
    public var voxels: [Float]
    /// Voxel spacing [sx, sy, sz] in mm (sz from positions, not SliceThickness).
    public var spacing: [Double]
    /// 4×4 row-major affine from (x, y, z, 1) voxel indices to LPS millimetres.
    public var indexToPatient: [Double]
    /// DICOM modality ("CT", "MR", "MG", …) or "" when unknown (NIfTI).
    public var modality: String
    /// A window the file itself suggests (DICOM WindowCenter/Width, VOI LUT), if any.
    public var suggestedWindow: Window?
    /// Where the volume came from, with what is needed to write results back.
    public var source: VolumeSource
    /// Problems found while assembling the volume that did not stop it (missing slices, …).
    public var warnings: [String]

    public init(size: [Int], voxels: [Float], spacing: [Double], indexToPatient: [Double], modality: String,
                suggestedWindow: Window? = nil, source: VolumeSource, warnings: [String] = []) {
        precondition(size.count == 3 && size.reduce(1, *) == voxels.count, "volume size \(size) does not hold \(voxels.count) voxels")
        precondition(spacing.count == 3 && indexToPatient.count == 16)
        self.size = size
        self.voxels = voxels
        self.spacing = spacing
        self.indexToPatient = indexToPatient
        self.modality = modality
        self.suggestedWindow = suggestedWindow
        self.source = source
        self.warnings = warnings
    }

    /// Number of slices (z extent).
    public var sliceCount: Int { size[2] }
}

/// A linear intensity window.
public struct Window: Sendable, Equatable, Codable {
    public var center: Double
    public var width: Double
    public init(center: Double, width: Double) {
        self.center = center
        self.width = width
    }
}

/// Origin of a volume.
public enum VolumeSource: Sendable {
    case dicom(DicomSeriesReference)
    case nifti(NiftiReference)
}

/// What a DICOM series needs to have results written back into its study.
public struct DicomSeriesReference: Sendable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String
    public var seriesDescription: String
    public var seriesNumber: Int?
    /// One entry per z index of the volume, in volume order.
    public var slices: [DicomSliceReference]

    public init(studyInstanceUID: String, seriesInstanceUID: String, frameOfReferenceUID: String,
                seriesDescription: String, seriesNumber: Int?, slices: [DicomSliceReference]) {
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.frameOfReferenceUID = frameOfReferenceUID
        self.seriesDescription = seriesDescription
        self.seriesNumber = seriesNumber
        self.slices = slices
    }
}

/// One source image (a file, or a frame of a multi-frame file) behind one z index.
public struct DicomSliceReference: Sendable {
    public var path: String
    /// 0-based frame inside a multi-frame object; 0 for single-frame files.
    public var frame: Int
    public var sopInstanceUID: String
    public var sopClassUID: String
    /// ImagePositionPatient of the slice (LPS mm).
    public var position: [Double]

    public init(path: String, frame: Int, sopInstanceUID: String, sopClassUID: String, position: [Double]) {
        self.path = path
        self.frame = frame
        self.sopInstanceUID = sopInstanceUID
        self.sopClassUID = sopClassUID
        self.position = position
    }
}

/// What a NIfTI volume needs to have results written on its grid.
public struct NiftiReference: Sendable {
    public var path: String
    /// The file's own 4×4 voxel-to-RAS affine (row-major), written unchanged into outputs.
    public var rasAffine: [Double]
    public var qformCode: Int
    public var sformCode: Int
    /// The header's qform and sform fields verbatim, so outputs copy them exactly (nil: derive from `rasAffine`).
    public var geometry: NiftiGeometry?

    public init(path: String, rasAffine: [Double], qformCode: Int, sformCode: Int, geometry: NiftiGeometry? = nil) {
        self.path = path
        self.rasAffine = rasAffine
        self.qformCode = qformCode
        self.sformCode = sformCode
        self.geometry = geometry
    }
}
