/// A series (DICOM) or volume file (NIfTI) found in the input, with what selection rules may test.
///
/// Carries no patient name, ID or birth date: discovery never reads them.
public struct SeriesCandidate: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case dicom, nifti
    }

    /// Stable identity across runs: `dicom/<StudyInstanceUID>/<SeriesInstanceUID>` or `nifti/<path below the input folder>`.
    public var key: String
    public var kind: Kind
    /// Every file behind the series, absolute, sorted.
    public var files: [String]
    /// Output folder for the series, relative to the output root (from the layout).
    public var outputName: String
    public var modality: String?
    public var seriesDescription: String?
    public var imageType: [String]?
    public var orientation: SeriesOrientation?
    /// Values for `TagCondition.attributes` the source can know.
    public var numbers: [String: Double]
    /// Problems that make the series unusable (inconsistent geometry, unreadable header), if any.
    public var problems: [String]

    /// The key of a DICOM series. A `/` or `%` inside a UID (invalid, but possible in a file) is
    /// percent-encoded so that two different UID pairs never share a key; valid UIDs are unchanged.
    public static func dicomKey(study: String, series: String) -> String {
        let escape = { (uid: String) in uid.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F") }
        return "dicom/\(escape(study))/\(escape(series))"
    }

    public init(key: String, kind: Kind, files: [String], outputName: String, modality: String? = nil, seriesDescription: String? = nil,
                imageType: [String]? = nil, orientation: SeriesOrientation? = nil, numbers: [String: Double] = [:], problems: [String] = []) {
        self.key = key
        self.kind = kind
        self.files = files
        self.outputName = outputName
        self.modality = modality
        self.seriesDescription = seriesDescription
        self.imageType = imageType
        self.orientation = orientation
        self.numbers = numbers
        self.problems = problems
    }
}
