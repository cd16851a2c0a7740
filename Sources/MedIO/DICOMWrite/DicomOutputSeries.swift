/// The new series a writer puts its objects in, inside the source's study.
public struct DicomOutputSeries: Sendable, Equatable {
    public var seriesInstanceUID: String
    public var seriesNumber: Int
    /// Series Description (LO, 64 characters).
    public var seriesDescription: String

    public init(seriesInstanceUID: String, seriesNumber: Int, seriesDescription: String) {
        self.seriesInstanceUID = seriesInstanceUID
        self.seriesNumber = seriesNumber
        self.seriesDescription = seriesDescription
    }

    /// A series whose UID comes from `uids` for `purpose` (e.g. "sc" or "seg") and the source
    /// series UID, so deterministic runs give each derived series of each source its own UID.
    public init(number: Int, description: String, purpose: String, sourceSeriesUID: String, uids: DicomUIDGenerator) {
        self.init(seriesInstanceUID: uids.uid(purpose: "series/\(purpose)/\(sourceSeriesUID)"),
                  seriesNumber: number, seriesDescription: description)
    }
}
