import CDcmBridge

/// Writes one Secondary Capture per analysed slice: the caller's rendering (slice with the
/// heatmap blended over it) as 8-bit RGB, in a new series of the source's study, with the
/// thresholded mask as Overlay Plane 6000.
///
/// Patient and study attributes are copied from the source; the source image is referenced in
/// SourceImageSequence; ImageType is DERIVED\SECONDARY, ConversionType WSD, and ImageComments and
/// DerivationDescription carry the not-for-clinical-use notice and the model provenance.
public struct DicomSecondaryCaptureWriter: Sendable {
    /// SOP Class UID of Secondary Capture Image Storage.
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.7"

    public var settings: DicomWriterSettings
    public var series: DicomOutputSeries

    public init(settings: DicomWriterSettings, series: DicomOutputSeries) {
        self.settings = settings
        self.series = series
    }

    /// Writes `image` (derived from `source`) to `path`.
    /// - Parameters:
    ///   - burnedInAnnotation: true when a legend or text is drawn into the pixels.
    ///   - overlay: the mask as Overlay Plane 6000; it must have the image's size.
    ///   - instanceNumber: Instance Number in the new series (also indexes deterministic UIDs).
    @discardableResult
    public func write(image: DicomRGBImage, burnedInAnnotation: Bool, overlay: DicomOverlayMask?,
                      source: DicomSliceReference, instanceNumber: Int, to path: String) throws -> DicomWrittenInstance {
        guard image.rows > 0, image.columns > 0, image.pixels.count == image.rows * image.columns * 3 else {
            throw DicomWriteError.invalidInput(
                path: path, reason: "RGB image \(image.rows)x\(image.columns) holds \(image.pixels.count) bytes")
        }
        if let overlay {
            guard overlay.rows == image.rows, overlay.columns == image.columns,
                  overlay.mask.count == overlay.rows * overlay.columns else {
                throw DicomWriteError.invalidInput(
                    path: path, reason: "overlay \(overlay.rows)x\(overlay.columns) with \(overlay.mask.count) values "
                        + "does not match the \(image.rows)x\(image.columns) image")
            }
        }
        try DicomWriteBridge.checkOutputFolder(path)
        let sopUID = settings.uids.uid(
            purpose: "instance/sc/\(series.seriesInstanceUID)/\(source.sopInstanceUID)/\(source.frame)", index: instanceNumber)
        let c = DicomWriteBridge.CStrings()
        var info = DicomWriteBridge.instanceInfo(
            c, settings: settings, series: series, sopInstanceUID: sopUID, instanceNumber: instanceNumber,
            modelName: settings.provenance.algorithmNameLO)
        var status = DicomWriteBridge.newStatus()
        let code = DicomWriteBridge.withOverlay(overlay, c) { ov in
            image.pixels.withUnsafeBufferPointer { px in
                dcmw_write_secondary_capture(
                    source.path, Int32(clamping: source.frame), path, px.baseAddress, Int32(clamping: image.rows),
                    Int32(clamping: image.columns), burnedInAnnotation ? 1 : 0, &info, ov, &status)
            }
        }
        try DicomWriteBridge.check(code, &status, fallbackPath: path)
        return DicomWrittenInstance(path: path, sopClassUID: Self.sopClassUID, sopInstanceUID: sopUID,
                                    seriesInstanceUID: series.seriesInstanceUID, overlayGroup: overlay == nil ? nil : 0x6000)
    }
}
