/// One line of a series listing (for `medvmad inspect`), from headers only.
public struct DicomSeriesSummary: Sendable, Equatable, Codable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var modality: String
    public var seriesDescription: String
    public var seriesNumber: Int?
    /// Objects (files) in the series.
    public var instanceCount: Int
    /// Slices the volume would have after dropping localizers, outliers and duplicates (0 when it cannot be built).
    public var sliceCount: Int
    /// [nx, ny, nz] of the planned volume (0s when it cannot be built).
    public var size: [Int]
    public var spacing: [Double]
    public var transferSyntaxes: [String]
    /// Slices left out, with reasons.
    public var dropped: [DicomSeriesPlan.Dropped]
    /// Problems that do not stop loading.
    public var warnings: [String]
    /// Problems that stop loading.
    public var errors: [String]
}
