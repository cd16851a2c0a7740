import Foundation
import MedIO

/// What `medvmad inspect PATH...` shows for DICOM and NIfTI inputs: studies and series (modality,
/// description, slices, geometry problems) from headers alone, and NIfTI headers. Nothing is decoded.
///
/// Patient name and ID are read only when asked for (`includePatient`); birth dates never are.
public struct InputInventory: Sendable {
    /// One NIfTI file: its header, or why it cannot be read.
    public struct NiftiEntry: Sendable {
        public var path: String
        public var header: NiftiHeader?
        public var error: String?
    }

    public var studies: [DicomStudySummary]
    public var nifti: [NiftiEntry]
    /// Files that are neither DICOM images nor NIfTI volumes, with the reason.
    public var skipped: [DicomSkippedFile]
    public var includesPatient: Bool

    /// Reads the headers of every file in `paths` (files or folders, searched recursively).
    public static func scan(_ paths: [String], includePatient: Bool = false) throws(PipelineError) -> InputInventory {
        var niftiFiles: [String] = []
        var dicomRoots: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw .inputUnavailable(path: path, reason: "no such file or folder")
            }
            if isFolder.boolValue {
                dicomRoots.append(path)
                let files = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                niftiFiles += files.filter(NiftiFileName.matches).map { (path as NSString).appendingPathComponent($0) }
            } else if NiftiFileName.matches(path) {
                niftiFiles.append(path)
            } else {
                dicomRoots.append(path)
            }
        }
        let scan: DicomScan
        do {
            scan = try DicomScan.scan(roots: dicomRoots, includePatient: includePatient)
        } catch {
            throw .inputUnavailable(path: dicomRoots.joined(separator: ", "), reason: "\(error)")
        }
        let nifti = niftiFiles.sorted().map { path -> NiftiEntry in
            do { return NiftiEntry(path: path, header: try NiftiReader().readHeader(path: path), error: nil) } catch {
                return NiftiEntry(path: path, header: nil, error: "\(error)")
            }
        }
        // NIfTI files were tried as DICOM by the folder scan too; they are listed as NIfTI only.
        let skipped = scan.skipped.filter { !NiftiFileName.matches($0.path) }
        return InputInventory(studies: scan.listing(), nifti: nifti, skipped: skipped, includesPatient: includePatient)
    }

    /// The listing as text lines.
    public func lines() -> [String] {
        var out: [String] = []
        for study in studies {
            var line = "study \(study.studyInstanceUID)"
            if includesPatient {
                line += " — patient \(study.patientName.map { "'\($0)'" } ?? "(no name)"), ID \(study.patientID.map { "'\($0)'" } ?? "(none)")"
            }
            out.append(line)
            for s in study.series {
                let number = s.seriesNumber.map { "#\($0) " } ?? ""
                out.append("  series \(number)\(s.seriesInstanceUID)")
                let description = s.seriesDescription.isEmpty ? "(no description)" : "\"\(s.seriesDescription)\""
                let grid = s.sliceCount > 0 ? "\(s.size.map(String.init).joined(separator: "×")) (\(s.sliceCount) slice(s))" : "no volume"
                let spacing = s.sliceCount > 0 && s.spacing.count == 3 ? ", spacing \(s.spacing.map(Self.number).joined(separator: " × ")) mm" : ""
                out.append("    \(s.modality.isEmpty ? "?" : s.modality) \(description), \(s.instanceCount) file(s), \(grid)\(spacing)")
                out.append("    transfer syntax: \(s.transferSyntaxes.joined(separator: ", "))")
                for d in s.dropped { out.append("    dropped: \(d.path)\(d.frame > 0 ? " frame \(d.frame)" : ""): \(d.reason)") }
                for w in s.warnings { out.append("    warning: \(w)") }
                for e in s.errors { out.append("    error: \(e)") }
            }
        }
        for entry in nifti {
            out.append("nifti \(entry.path)")
            guard let h = entry.header else {
                out.append("    error: \(entry.error ?? "unreadable")")
                continue
            }
            out.append("    NIfTI-\(h.version), dims \(h.dims.map(String.init).joined(separator: "×")), voxel \(h.pixdim.map(Self.number).joined(separator: " × "))"
                       + ", datatype \(Self.datatypeName(h.datatype)) (\(h.datatype))")
            out.append("    scl_slope \(Self.number(h.sclSlope)), scl_inter \(Self.number(h.sclInter))"
                       + (h.volumeCount != 1 ? ", \(h.volumeCount) volumes (only 3-D images are processed)" : ""))
            let used = h.sformCode > 0 ? "sform" : (h.qformCode > 0 ? "qform" : "pixdim only (no transform codes)")
            out.append("    qform_code \(h.qformCode), sform_code \(h.sformCode); voxel-to-RAS affine from the \(used):")
            let affine = h.sformCode > 0 ? h.sformAffine : h.qformAffine
            for row in 0..<3 {
                out.append("      [" + (0..<4).map { Self.number(affine[4 * row + $0]) }.joined(separator: ", ") + "]")
            }
        }
        for file in skipped { out.append("skipped \(file.path): \(file.reason)") }
        let seriesCount = studies.map(\.series.count).reduce(0, +)
        out.append("\(studies.count) stud\(studies.count == 1 ? "y" : "ies"), \(seriesCount) series, \(nifti.count) NIfTI file(s), \(skipped.count) file(s) skipped")
        return out
    }

    static func number(_ value: Double) -> String {
        // + 0 turns −0 into 0, which %g would print as "-0".
        String(format: "%g", value + 0)
    }

    /// NIfTI DT_* codes by name.
    static func datatypeName(_ code: Int) -> String {
        let names = [2: "uint8", 4: "int16", 8: "int32", 16: "float32", 32: "complex64", 64: "float64", 128: "rgb24",
                     256: "int8", 512: "uint16", 768: "uint32", 1024: "int64", 1280: "uint64", 1792: "complex128", 2304: "rgba32"]
        return names[code] ?? "code \(code)"
    }
}
