/// The image objects of one series, grouped by Study and Series Instance UID (never by folder).
public struct DicomSeries: Sendable, Equatable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var modality: String
    public var seriesDescription: String
    public var seriesNumber: Int?
    /// The objects of the series, ordered by path (spatial order is decided when planning).
    public var instances: [DicomHeader]

    public init(studyInstanceUID: String, seriesInstanceUID: String, modality: String, seriesDescription: String,
                seriesNumber: Int?, instances: [DicomHeader]) {
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.modality = modality
        self.seriesDescription = seriesDescription
        self.seriesNumber = seriesNumber
        self.instances = instances
    }

    /// Groups headers by (StudyInstanceUID, SeriesInstanceUID). Series are ordered by study UID,
    /// series number, then series UID, so listings are stable.
    public static func group(_ headers: [DicomHeader]) -> [DicomSeries] {
        var order: [String] = []
        var byKey: [String: [DicomHeader]] = [:]
        for h in headers {
            let key = h.studyInstanceUID + "|" + h.seriesInstanceUID
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(h)
        }
        let series = order.map { key -> DicomSeries in
            let members = byKey[key]!.sorted { $0.path < $1.path }
            let first = members[0]
            return DicomSeries(studyInstanceUID: first.studyInstanceUID, seriesInstanceUID: first.seriesInstanceUID,
                               modality: first.modality, seriesDescription: first.seriesDescription,
                               seriesNumber: first.seriesNumber, instances: members)
        }
        return series.sorted {
            if $0.studyInstanceUID != $1.studyInstanceUID { return $0.studyInstanceUID < $1.studyInstanceUID }
            if $0.seriesNumber != $1.seriesNumber { return ($0.seriesNumber ?? Int.max) < ($1.seriesNumber ?? Int.max) }
            return $0.seriesInstanceUID < $1.seriesInstanceUID
        }
    }
}
