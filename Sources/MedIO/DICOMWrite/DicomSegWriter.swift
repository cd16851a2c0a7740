import CDcmBridge

/// Writes a binary DICOM Segmentation (dcmseg) with one segment, one frame per source slice.
///
/// The segment is coded SCT 49755003 "Morphologically Abnormal Structure" / 52988006 "Lesion",
/// AUTOMATIC, algorithm family (123110, DCM, "Artificial Intelligence") with the model's name
/// and version. Each frame references its source image (and frame, for multi-frame sources) in a
/// Derivation Image item with SpatialLocationsPreserved YES and carries the source's plane
/// position; all sources are listed in the Common Instance Reference module.
public struct DicomSegWriter: Sendable {
    /// SOP Class UID of Segmentation Storage.
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.66.4"

    /// Geometry shared by all frames (Pixel Measures and Plane Orientation).
    public struct Geometry: Sendable, Equatable {
        /// DICOM order: spacing between rows (mm), then between columns.
        public var pixelSpacing: [Double]
        public var sliceThickness: Double
        /// Row direction cosines, then column direction cosines (LPS).
        public var orientation: [Double]

        public init(pixelSpacing: [Double], sliceThickness: Double, orientation: [Double]) {
            self.pixelSpacing = pixelSpacing
            self.sliceThickness = sliceThickness
            self.orientation = orientation
        }

        /// The geometry of `volume`'s slices: direction cosines from its index-to-patient
        /// affine, in-plane spacing, and the slice spacing as thickness.
        public init(volume: Volume) {
            let a = volume.indexToPatient
            let sx = volume.spacing[0], sy = volume.spacing[1]
            let row = [a[0] / sx, a[4] / sx, a[8] / sx]
            let col = [a[1] / sy, a[5] / sy, a[9] / sy]
            self.init(pixelSpacing: [sy, sx], sliceThickness: volume.spacing[2], orientation: row + col)
        }
    }

    /// One frame: the source slice it covers (its `position` becomes the frame's
    /// ImagePositionPatient) and its mask, `rows * columns` values row-major.
    public struct Frame: Sendable {
        public var source: DicomSliceReference
        public var mask: [Bool]

        public init(source: DicomSliceReference, mask: [Bool]) {
            self.source = source
            self.mask = mask
        }
    }

    public var settings: DicomWriterSettings
    public var series: DicomOutputSeries
    /// Segment Label (LO).
    public var segmentLabel: String
    /// Content Label (CS: upper case, digits, space, underscore; 16 characters).
    public var contentLabel: String
    /// Content Creator's Name (PN).
    public var contentCreator: String

    public init(settings: DicomWriterSettings, series: DicomOutputSeries, segmentLabel: String = "Anomaly",
                contentLabel: String = "AI_ANOMALY", contentCreator: String = "medvmad^pipeline") {
        self.settings = settings
        self.series = series
        self.segmentLabel = segmentLabel
        self.contentLabel = contentLabel
        self.contentCreator = contentCreator
    }

    /// Writes `frames` (each `rows` x `columns`) as one SEG instance to `path`.
    /// - Parameter geometry: shared geometry; nil reads PixelSpacing, SliceThickness and
    ///   ImageOrientationPatient from the first source (enhanced sources without them need it).
    @discardableResult
    public func write(frames: [Frame], rows: Int, columns: Int, geometry: Geometry?,
                      to path: String) throws -> DicomWrittenInstance {
        guard !frames.isEmpty else { throw DicomWriteError.invalidInput(path: path, reason: "no frames") }
        guard rows > 0, columns > 0 else {
            throw DicomWriteError.invalidInput(path: path, reason: "frame size \(rows)x\(columns)")
        }
        for (i, f) in frames.enumerated() {
            guard f.mask.count == rows * columns else {
                throw DicomWriteError.invalidInput(
                    path: f.source.path, reason: "mask of frame \(i) has \(f.mask.count) values, not \(rows)x\(columns)")
            }
            guard f.source.position.count == 3 else {
                throw DicomWriteError.invalidInput(path: f.source.path, reason: "frame \(i) has no 3-D position")
            }
        }
        if let g = geometry, g.pixelSpacing.count != 2 || g.orientation.count != 6 {
            throw DicomWriteError.invalidInput(path: path, reason: "geometry needs 2 spacings and 6 direction cosines")
        }
        try DicomWriteBridge.checkOutputFolder(path)

        let sopUID = settings.uids.uid(purpose: "instance/seg/\(series.seriesInstanceUID)", index: 1)
        let dimensionUID = settings.uids.uid(purpose: "dimension/seg/\(series.seriesInstanceUID)")
        let c = DicomWriteBridge.CStrings()
        let p = settings.provenance
        var info = DicomWriteBridge.instanceInfo(
            c, settings: settings, series: series, sopInstanceUID: sopUID, instanceNumber: 1, modelName: p.algorithmNameLO)
        var params = dcmw_seg_params()
        params.rows = Int32(clamping: rows)
        params.cols = Int32(clamping: columns)
        if let g = geometry {
            params.has_geometry = 1
            params.pixel_spacing = (g.pixelSpacing[0], g.pixelSpacing[1])
            params.slice_thickness = g.sliceThickness
            let o = g.orientation
            params.orientation = (o[0], o[1], o[2], o[3], o[4], o[5])
        }
        params.segment_label = c(String(segmentLabel.prefix(64)))
        params.segment_description = c(String(p.notice.prefix(64)))
        params.algorithm_name = c(p.algorithmNameLO)
        params.algorithm_version = c(p.algorithmVersionLO)
        params.content_label = c(String(contentLabel.prefix(16)))
        params.content_description = c(String(p.notice.prefix(64)))
        params.content_creator = c(contentCreator)
        params.dimension_organization_uid = c(dimensionUID)

        // Masks as 0/1 bytes, one contiguous buffer so the C frame structs can point into it.
        var bytes = [UInt8](repeating: 0, count: frames.count * rows * columns)
        for (i, f) in frames.enumerated() {
            let base = i * rows * columns
            for (k, v) in f.mask.enumerated() where v { bytes[base + k] = 1 }
        }
        var status = DicomWriteBridge.newStatus()
        let code: Int32 = bytes.withUnsafeBufferPointer { buffer in
            let cFrames = frames.enumerated().map { i, f in
                dcmw_seg_frame(source_path: c(f.source.path), source_frame: Int32(clamping: f.source.frame),
                               position: (f.source.position[0], f.source.position[1], f.source.position[2]),
                               mask: buffer.baseAddress! + i * rows * columns)
            }
            return cFrames.withUnsafeBufferPointer { fp in
                dcmw_write_segmentation(path, &params, fp.baseAddress, Int32(clamping: frames.count), &info, &status)
            }
        }
        try DicomWriteBridge.check(code, &status, fallbackPath: path)
        return DicomWrittenInstance(path: path, sopClassUID: Self.sopClassUID, sopInstanceUID: sopUID,
                                    seriesInstanceUID: series.seriesInstanceUID, overlayGroup: nil)
    }

    /// Writes the SEG of a whole DICOM volume: `mask` has the volume's voxel layout (x fastest,
    /// then y, then z), one frame per slice, geometry from the volume.
    @discardableResult
    public func write(volume: Volume, mask: [Bool], to path: String) throws -> DicomWrittenInstance {
        guard case let .dicom(reference) = volume.source else {
            throw DicomWriteError.invalidInput(path: path, reason: "the volume does not come from DICOM")
        }
        guard mask.count == volume.voxels.count, reference.slices.count == volume.sliceCount else {
            throw DicomWriteError.invalidInput(
                path: path, reason: "mask of \(mask.count) values or \(reference.slices.count) slice references "
                    + "do not match the \(volume.size) volume")
        }
        let nx = volume.size[0], ny = volume.size[1]
        let frames = reference.slices.enumerated().map { z, slice in
            Frame(source: slice, mask: Array(mask[(z * nx * ny)..<((z + 1) * nx * ny)]))
        }
        return try write(frames: frames, rows: ny, columns: nx, geometry: Geometry(volume: volume), to: path)
    }
}
