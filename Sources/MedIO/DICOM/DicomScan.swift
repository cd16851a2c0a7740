import Foundation

/// The result of scanning a folder tree for DICOM images.
///
/// Every regular file below the root is tried (file names and extensions are not trusted, and a
/// DICOMDIR is not consulted: it is skipped like any other non-image object, since media
/// directories are often stale or absent). Files that are not DICOM, not images, unreadable or
/// too large are listed in `skipped` with a reason; the rest are grouped into series by Study
/// and Series Instance UID.
public struct DicomScan: Sendable {
    public var root: String
    public var series: [DicomSeries]
    public var skipped: [DicomSkippedFile]
    /// Whether patient name and ID were read (they are otherwise nil everywhere).
    public var includesPatient: Bool

    /// Scans `root` (a folder, searched recursively, or a single file).
    public static func scan(root: String, includePatient: Bool = false, limits: DicomReadLimits = .init()) throws -> DicomScan {
        let files = try listFiles(root)
        var headers: [DicomHeader] = []
        var skipped: [DicomSkippedFile] = []
        for path in files {
            switch try classify(path: path, includePatient: includePatient, limits: limits) {
            case let .image(h): headers.append(h)
            case let .skipped(s): skipped.append(s)
            }
        }
        return DicomScan(root: root, series: DicomSeries.group(headers), skipped: skipped, includesPatient: includePatient)
    }

    /// What one file turned out to be.
    enum Classification {
        case image(DicomHeader)
        case skipped(DicomSkippedFile)
    }

    /// Throws only when the toolkit itself is unusable (that is no verdict on the file).
    static func classify(path: String, includePatient: Bool, limits: DicomReadLimits) throws -> Classification {
        let header: DicomHeader
        do {
            header = try DicomHeader.read(path: path, includePatient: includePatient)
        } catch let error as MedIOError {
            if case .environment = error { throw error }
            if !hasPreamble(path) {
                return .skipped(DicomSkippedFile(path: path, kind: .notDicom, reason: "not DICOM (\(error))"))
            }
            return .skipped(DicomSkippedFile(path: path, kind: .unreadable, reason: "\(error)"))
        } catch {
            return .skipped(DicomSkippedFile(path: path, kind: .unreadable, reason: "\(error)"))
        }
        if header.sopClassUID.isEmpty && !hasPreamble(path) {
            return .skipped(DicomSkippedFile(path: path, kind: .notDicom, reason: "not DICOM (no SOP Class UID, no DICM preamble)"))
        }
        if let reason = nonImageReason(header) {
            return .skipped(DicomSkippedFile(path: path, kind: .nonImage, reason: reason))
        }
        if header.studyInstanceUID.isEmpty || header.seriesInstanceUID.isEmpty {
            return .skipped(DicomSkippedFile(path: path, kind: .unreadable, reason: "missing Study or Series Instance UID"))
        }
        do {
            try limits.check(header)
        } catch let error as MedIOError {
            if case .limitExceeded = error {
                return .skipped(DicomSkippedFile(path: path, kind: .limitExceeded, reason: "\(error)"))
            }
            return .skipped(DicomSkippedFile(path: path, kind: .unreadable, reason: "\(error)"))
        } catch {
            return .skipped(DicomSkippedFile(path: path, kind: .unreadable, reason: "\(error)"))
        }
        return .image(header)
    }

    /// Why an object is not an image for volume building, or nil when it is one.
    static func nonImageReason(_ h: DicomHeader) -> String? {
        let uid = h.sopClassUID
        let named: [(prefix: String, name: String)] = [
            ("1.2.840.10008.1.3.10", "DICOMDIR (media directory; the folder is scanned file by file)"),
            ("1.2.840.10008.5.1.4.1.1.88.59", "Key Object Selection"),
            ("1.2.840.10008.5.1.4.1.1.88.", "Structured Report"),
            ("1.2.840.10008.5.1.4.1.1.11.", "Presentation State"),
            ("1.2.840.10008.5.1.4.1.1.66.4", "Segmentation (an output type, not an input image)"),
            ("1.2.840.10008.5.1.4.1.1.66", "Registration, fiducials or surface object"),
            ("1.2.840.10008.5.1.4.1.1.481.2", "RT Dose"),
            ("1.2.840.10008.5.1.4.1.1.481.3", "RT Structure Set"),
            ("1.2.840.10008.5.1.4.1.1.481.", "RT object"),
            ("1.2.840.10008.5.1.4.1.1.9.", "Waveform"),
            ("1.2.840.10008.5.1.4.1.1.104.", "Encapsulated document"),
            ("1.2.840.10008.5.1.4.1.1.30", "Parametric Map (float pixel data)"),
        ]
        let isRTImage = uid == "1.2.840.10008.5.1.4.1.1.481.1"
        if !isRTImage, let match = named.first(where: { uid == $0.prefix || uid.hasPrefix($0.prefix.hasSuffix(".") ? $0.prefix : $0.prefix + ".") }) {
            return "not an image: \(match.name), SOP Class \(uid)"
        }
        if ["SR", "PR", "KO", "SEG", "RTSTRUCT", "RTPLAN", "RTDOSE", "REG", "DOC"].contains(h.modality.uppercased()) {
            return "not an image: modality \(h.modality), SOP Class \(uid)"
        }
        if !h.hasPixelData {
            return "no pixel data (SOP Class \(uid.isEmpty ? "absent" : uid))"
        }
        return nil
    }

    /// True when bytes 128..<132 are "DICM" (the Part 10 preamble).
    static func hasPreamble(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: 128)) != nil, let magic = try? handle.read(upToCount: 4) else { return false }
        return magic == Data("DICM".utf8)
    }

    /// Regular files below `root` (or `root` itself), sorted; hidden files are skipped.
    static func listFiles(_ root: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else {
            throw MedIOError.nothingFound(path: root, reason: "no such file or folder")
        }
        if !isDir.boolValue { return [root] }
        let url = URL(fileURLWithPath: root)
        guard let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey],
                                                     options: [.skipsHiddenFiles]) else {
            throw MedIOError.unreadable(path: root, reason: "cannot list the folder")
        }
        var out: [String] = []
        for case let file as URL in e {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(file.path) }
        }
        return out.sorted()
    }
}
