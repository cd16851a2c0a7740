import Foundation
import MedIO

/// Finds the series in input folders: DICOM files grouped by Study and Series Instance UID (never by
/// folder), NIfTI files one volume each, recognised by extension.
public struct SeriesDiscovery: Sendable {
    /// What discovery found.
    public struct Result: Sendable {
        public var candidates: [SeriesCandidate]
        /// Files that are neither usable DICOM images nor NIfTI volumes, with the reason.
        public var skippedFiles: [(path: String, reason: String)]
    }

    public var globs: [GlobPattern]
    public var layout: WriteStage.Layout
    /// Read DICOM files (off when the pipeline admits NIfTI only).
    public var readDicom: Bool

    public init(ingest: IngestStage, layout: WriteStage.Layout) {
        globs = ingest.globs.compactMap(GlobPattern.init)
        self.layout = layout
        readDicom = ingest.admitsDicom
    }

    /// Scans `folders` recursively. NIfTI keys are paths relative to each folder, or to `base` when
    /// given (watch passes the inbox, so equal file names in two studies stay apart).
    public func discover(folders: [String], relativeTo base: String? = nil) throws(PipelineError) -> Result {
        var dicomHeaders: [DicomHeader] = []
        var result = Result(candidates: [], skippedFiles: [])
        for folder in folders {
            for (path, relative) in try listFiles(folder, base: base) {
                guard globs.isEmpty || globs.contains(where: { $0.matches(relative) }) else { continue }
                if NiftiFileName.matches(relative) {
                    result.candidates.append(niftiCandidate(path: path, relative: relative))
                    continue
                }
                guard readDicom else { continue }
                do {
                    let scan = try DicomScan.scan(root: path)
                    dicomHeaders += scan.series.flatMap(\.instances)
                    result.skippedFiles += scan.skipped.map { ($0.path, $0.reason) }
                } catch {
                    throw .inputUnavailable(path: path, reason: "DICOM toolkit unusable: \(error)")
                }
            }
        }
        for series in DicomSeries.group(dicomHeaders) {
            result.candidates.append(dicomCandidate(series))
        }
        result.candidates.sort { $0.key < $1.key }
        return result
    }

    func listFiles(_ folder: String, base: String?) throws(PipelineError) -> [(String, String)] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw .inputUnavailable(path: folder, reason: "no such folder")
        }
        let basePath = base.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? root.path
        let prefix = basePath.hasSuffix("/") ? basePath : basePath + "/"
        guard isFolder.boolValue else {
            return [(root.path, root.path.hasPrefix(prefix) ? String(root.path.dropFirst(prefix.count)) : root.lastPathComponent)]
        }
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else {
            throw .inputUnavailable(path: folder, reason: "cannot list")
        }
        var files: [(String, String)] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.path
            files.append((path, path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : url.lastPathComponent))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    func niftiCandidate(path: String, relative: String) -> SeriesCandidate {
        var stem = relative
        for ext in [".nii.gz", ".nii"] where stem.lowercased().hasSuffix(ext) { stem = String(stem.dropLast(ext.count)) }
        let key = "nifti/" + relative
        var candidate = SeriesCandidate(key: key, kind: .nifti, files: [path],
                                        outputName: layout == .flat ? Self.flatName(key) : "nifti/" + stem)
        do {
            let header = try NiftiReader().readHeader(path: path)
            let grid = header.gridSize
            candidate.numbers = ["Columns": Double(grid[0]), "Rows": Double(grid[1]), "SliceCount": Double(grid[2]),
                                 "PixelSpacing": header.pixdim.count > 1 ? header.pixdim[1] : 0,
                                 "SliceSpacing": header.pixdim.count > 3 ? header.pixdim[3] : 0]
            if header.volumeCount != 1 {
                candidate.problems.append("\(header.volumeCount) volumes in one file; only 3-D images are processed")
            }
        } catch {
            candidate.problems.append("unreadable NIfTI header: \(error)")
        }
        return candidate
    }

    func dicomCandidate(_ series: DicomSeries) -> SeriesCandidate {
        let key = SeriesCandidate.dicomKey(study: series.studyInstanceUID, series: series.seriesInstanceUID)
        let plan = DicomSeriesPlan.make(series)
        let first = plan.slices.first?.header ?? series.instances.first
        var numbers: [String: Double] = ["SliceCount": Double(plan.slices.count), "InstanceCount": Double(series.instances.count)]
        if let first {
            numbers["Rows"] = Double(first.rows)
            numbers["Columns"] = Double(first.columns)
        }
        if let n = series.seriesNumber { numbers["SeriesNumber"] = Double(n) }
        if plan.spacing.count == 3 {
            numbers["PixelSpacing"] = plan.spacing[0]
            numbers["SliceSpacing"] = plan.spacing[2]
        }
        var orientation: SeriesOrientation?
        if let cosines = plan.slices.first?.geometry.orientation, cosines.count == 6 {
            orientation = SeriesOrientation.classify(rowCosines: Array(cosines[0..<3]), columnCosines: Array(cosines[3..<6]))
        }
        // The UIDs come from the files as written by the sender: made safe before they name folders.
        let outputName = layout == .flat ? Self.flatName(key) : "dicom/" + OutputPathName.path([series.studyInstanceUID, series.seriesInstanceUID])
        return SeriesCandidate(key: key, kind: .dicom, files: Array(Set(series.instances.map(\.path))).sorted(), outputName: outputName,
                               modality: series.modality, seriesDescription: series.seriesDescription,
                               imageType: first?.imageType, orientation: orientation, numbers: numbers, problems: plan.errors)
    }

    /// A short, file-system-safe folder name for a key (flat layout). Plain keys keep the earlier
    /// naming (`/` as `_`); any other key is made safe and given a hash, so no two keys share a folder.
    static func flatName(_ key: String) -> String {
        let plain = key.count <= 80 && !key.hasSuffix(".") && key.unicodeScalars.allSatisfy { $0 == "/" || ($0 != "_" && OutputPathName.isKept($0)) }
        return plain ? key.replacingOccurrences(of: "/", with: "_") : OutputPathName.component(key)
    }
}
