import CDcmBridge

/// Writes a derived copy of a single-frame source image carrying the mask as an Overlay Plane, so
/// that a viewer without SEG support still shows the mask over the real image.
///
/// Pixels, rescale, window/level and all other attributes are kept; the pixel data is decoded to
/// explicit VR little endian. The copy gets new Series and SOP Instance UIDs, ImageType value 1
/// DERIVED, a SourceImageSequence reference to the source and the provenance texts. The overlay
/// goes into group 6000, or the first free overlay group when the source already uses 6000.
public struct DicomOverlayCopyWriter: Sendable {
    public var settings: DicomWriterSettings
    public var series: DicomOutputSeries

    public init(settings: DicomWriterSettings, series: DicomOutputSeries) {
        self.settings = settings
        self.series = series
    }

    /// Writes the copy of `source` with `overlay` (of the source's size) to `path`.
    /// - Parameter instanceNumber: Instance Number of the copy; nil keeps the source's.
    @discardableResult
    public func write(source: DicomSliceReference, overlay: DicomOverlayMask, instanceNumber: Int? = nil,
                      to path: String) throws -> DicomWrittenInstance {
        guard overlay.mask.count == overlay.rows * overlay.columns, overlay.rows > 0, overlay.columns > 0 else {
            throw DicomWriteError.invalidInput(
                path: path, reason: "overlay \(overlay.rows)x\(overlay.columns) holds \(overlay.mask.count) values")
        }
        try DicomWriteBridge.checkOutputFolder(path)
        let sopUID = settings.uids.uid(
            purpose: "instance/overlay-copy/\(series.seriesInstanceUID)/\(source.sopInstanceUID)/\(source.frame)",
            index: instanceNumber ?? 0)
        let c = DicomWriteBridge.CStrings()
        var info = DicomWriteBridge.instanceInfo(
            c, settings: settings, series: series, sopInstanceUID: sopUID, instanceNumber: instanceNumber ?? 0,
            modelName: settings.provenance.algorithmNameLO)
        var status = DicomWriteBridge.newStatus()
        var group: Int32 = 0
        let code = DicomWriteBridge.withOverlay(overlay, c) { ov in
            dcmw_write_overlay_copy(source.path, path, &info, ov, &group, &status)
        }
        try DicomWriteBridge.check(code, &status, fallbackPath: path)
        return DicomWrittenInstance(path: path, sopClassUID: source.sopClassUID, sopInstanceUID: sopUID,
                                    seriesInstanceUID: series.seriesInstanceUID, overlayGroup: Int(group))
    }
}
