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

/// A study of a listing. Patient name and ID are present only when the scan asked for them.
public struct DicomStudySummary: Sendable, Equatable, Codable {
    public var studyInstanceUID: String
    public var patientName: String?
    public var patientID: String?
    public var series: [DicomSeriesSummary]
}

extension DicomScan {
    /// Studies and series found, with the geometry problems each series has, without decoding pixels.
    public func listing(options: DicomSeriesOptions = .init()) -> [DicomStudySummary] {
        var studies: [DicomStudySummary] = []
        for s in series {
            let plan = DicomSeriesPlan.make(s, options: options)
            let summary = DicomSeriesSummary(
                studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID, modality: s.modality,
                seriesDescription: s.seriesDescription, seriesNumber: s.seriesNumber, instanceCount: s.instances.count,
                sliceCount: plan.errors.isEmpty ? plan.slices.count : 0, size: plan.size, spacing: plan.spacing,
                transferSyntaxes: Array(Set(s.instances.map(\.transferSyntaxUID))).sorted(), dropped: plan.dropped,
                warnings: plan.warnings, errors: plan.errors)
            if let i = studies.firstIndex(where: { $0.studyInstanceUID == s.studyInstanceUID }) {
                studies[i].series.append(summary)
            } else {
                let first = s.instances[0]
                studies.append(DicomStudySummary(studyInstanceUID: s.studyInstanceUID,
                                                 patientName: includesPatient ? first.patientName : nil,
                                                 patientID: includesPatient ? first.patientID : nil, series: [summary]))
            }
        }
        return studies
    }
}
