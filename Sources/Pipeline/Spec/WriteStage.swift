/// What is written for each processed series.
public struct WriteStage: Sendable, Equatable {
    public enum Output: String, Sendable, Equatable, CaseIterable {
        /// DICOM Secondary Capture of the colour heatmap.
        case sc
        /// Copies of the source images with the mask as an overlay plane.
        case overlay
        /// DICOM SEG of the thresholded mask, referencing the source instances.
        case seg
        /// Anomaly map and mask as NIfTI on the input grid.
        case nifti
        /// PNG previews.
        case png

        /// Whether the output is DICOM written back into the source study.
        public var needsDicomSource: Bool { self == .sc || self == .overlay || self == .seg }
    }

    /// Folder layout under the output folder.
    public enum Layout: String, Sendable, Equatable, CaseIterable {
        /// `OUTPUT/<study>/<series>/…` for DICOM, `OUTPUT/<file stem>/…` for NIfTI.
        case study
        /// `OUTPUT/<job id>/…`.
        case flat
    }

    public var outputs: [Output]
    public var layout: Layout

    public init(outputs: [Output], layout: Layout = .study) {
        self.outputs = outputs
        self.layout = layout
    }
}
