/// A study of a listing. Patient name and ID are present only when the scan asked for them.
public struct DicomStudySummary: Sendable, Equatable, Codable {
    public var studyInstanceUID: String
    public var patientName: String?
    public var patientID: String?
    public var series: [DicomSeriesSummary]
}
