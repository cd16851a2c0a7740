/// A file a scan did not use, with the reason. Reasons never contain patient data.
public struct DicomSkippedFile: Sendable, Equatable, Codable {
    /// Why a file was left out.
    public enum Kind: String, Sendable, Codable {
        /// Not a DICOM file (no preamble and it does not parse).
        case notDicom
        /// DICOM (or claims to be) but could not be read.
        case unreadable
        /// A DICOM object that is not an image for volumes (SR, PR, KO, SEG, RT objects, DICOMDIR, …).
        case nonImage
        /// Declared dimensions exceed the configured limits.
        case limitExceeded
    }

    public var path: String
    public var kind: Kind
    public var reason: String

    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason
    }
}
