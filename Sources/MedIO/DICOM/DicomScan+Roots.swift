extension DicomScan {
    /// Scans several roots (folders or files) as one: series are grouped over all of them, so a
    /// series whose files lie in two folders is one series. `root` of the result lists the roots.
    public static func scan(roots: [String], includePatient: Bool = false, limits: DicomReadLimits = .init()) throws -> DicomScan {
        var headers: [DicomHeader] = []
        var skipped: [DicomSkippedFile] = []
        for root in roots {
            let one = try scan(root: root, includePatient: includePatient, limits: limits)
            headers += one.series.flatMap(\.instances)
            skipped += one.skipped
        }
        return DicomScan(root: roots.joined(separator: ", "), series: DicomSeries.group(headers), skipped: skipped,
                         includesPatient: includePatient)
    }
}
