import FixtureSupport
import Foundation
import XCTest

@testable import MedIO

/// Shared pieces of the DICOM writer tests: real source files, external tools, a scratch folder,
/// and the set of outputs the tool checks run over.
enum DicomWriteTestSupport {
    /// A source from Tests/Fixtures/dicom-src (see its README for origin and checksums).
    static func source(_ name: String) throws -> String {
        guard let url = Fixtures.files(named: name).first(where: { $0.path.contains("/dicom-src/") }) else {
            throw XCTSkip("fixture dicom-src/\(name) not found under \(Fixtures.roots.map(\.path))")
        }
        return url.path
    }

    /// Runs a program, returning its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func tool(_ name: String) throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        XCTFail("\(name) not installed; run scripts/setup.sh")
        throw XCTSkip("\(name) missing")
    }

    /// Values of top-level attributes as DCMTK's dcmdump prints them (brackets stripped), keyed by
    /// "gggg,eeee" in lower case; one dcmdump run for all of them.
    static func dump(_ path: String, _ tags: [String]) throws -> [String: String] {
        let (status, output) = try run(try tool("dcmdump"), ["-q", "+L"] + tags.flatMap { ["+P", $0] } + [path])
        guard status == 0 else { return [:] }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("(") && line.count > 15 {
            // "(0008,0018) UI [1.2.3]   #  6, 1 SOPInstanceUID" or "(0028,0010) US 128   # ...".
            let tag = String(line.dropFirst().prefix(9)).lowercased()
            let value = line.dropFirst(15).components(separatedBy: "#")[0].trimmingCharacters(in: .whitespaces)
            guard values[tag] == nil else { continue }
            if value.hasPrefix("["), let end = value.lastIndex(of: "]") {
                values[tag] = String(value[value.index(after: value.startIndex)..<end])
            } else {
                values[tag] = value
            }
        }
        return values
    }

    static func dump(_ path: String, _ tag: String) throws -> String? { try dump(path, [tag])[tag.lowercased()] }

    /// dciodvfy's "Error" lines for `path` (it exits 0 even when it finds errors).
    static func dciodvfyErrors(_ path: String) throws -> [String] {
        let (_, output) = try run(try tool("dciodvfy"), [path])
        return output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error") }
    }

    /// A fresh folder under the temporary directory, or under MEDVMAD_TEST_OUTPUT_DIR when set
    /// (to keep the outputs for inspection; the tests then leave them in place).
    static func scratchFolder(_ name: String) throws -> String {
        let env = ProcessInfo.processInfo.environment["MEDVMAD_TEST_OUTPUT_DIR"]
        let base = env.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("medvmad-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func removeScratch(_ dir: String) {
        if ProcessInfo.processInfo.environment["MEDVMAD_TEST_OUTPUT_DIR"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }

    static let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)

    static func settings(seed: String = "test-seed") throws -> DicomWriterSettings {
        DicomWriterSettings(
            uids: try .deterministic(root: "2.25", seed: seed),
            clock: .fixed(fixedDate),
            provenance: DicomProvenance(modelName: "MedVMAD tiny", modelVersion: "0.1.0",
                                        weightsSHA256: String(repeating: "ab", count: 32), threshold: 0.42,
                                        thresholdSource: "validation F1-optimal"))
    }

    /// A source slice reference with the file's own UIDs and position, read with dcmdump so the
    /// tests do not depend on the project's DICOM reader.
    static func slice(_ path: String, frame: Int = 0, position: [Double]? = nil) throws -> DicomSliceReference {
        let v = try dump(path, ["0008,0016", "0008,0018", "0020,0032"])
        // UIDs with a dictionary name print as "=Name"; only instance UIDs are needed verbatim.
        let ipp = v["0020,0032"]?.split(separator: "\\").compactMap { Double($0) }
        return DicomSliceReference(path: path, frame: frame, sopInstanceUID: v["0008,0018"] ?? "",
                                   sopClassUID: v["0008,0016"] ?? "", position: position ?? ipp ?? [])
    }

    static func size(_ path: String) throws -> (rows: Int, columns: Int) {
        let v = try dump(path, ["0028,0010", "0028,0011"])
        return (Int(v["0028,0010"] ?? "") ?? 0, Int(v["0028,0011"] ?? "") ?? 0)
    }

    /// A blob-shaped test mask: an ellipse plus a small rectangle, so outlines have corners.
    static func mask(rows: Int, columns: Int, shift: Int = 0) -> [Bool] {
        var m = [Bool](repeating: false, count: rows * columns)
        let cy = Double(rows) * 0.45 + Double(shift), cx = Double(columns) * 0.55
        let ry = Double(rows) * 0.18, rx = Double(columns) * 0.22
        for r in 0..<rows {
            for c in 0..<columns {
                let dy = (Double(r) - cy) / ry, dx = (Double(c) - cx) / rx
                let inRect = r >= rows / 8 && r < rows / 8 + rows / 10 && c >= columns / 10 && c < columns / 4
                m[r * columns + c] = dx * dx + dy * dy <= 1 || inRect
            }
        }
        return m
    }

    /// A rendered-looking RGB picture: gradients in every channel.
    static func rgb(rows: Int, columns: Int) -> DicomRGBImage {
        var px = [UInt8](repeating: 0, count: rows * columns * 3)
        for r in 0..<rows {
            for c in 0..<columns {
                let i = (r * columns + c) * 3
                px[i] = UInt8(truncatingIfNeeded: r * 2)
                px[i + 1] = UInt8(truncatingIfNeeded: c * 2)
                px[i + 2] = UInt8(truncatingIfNeeded: r + c)
            }
        }
        return DicomRGBImage(rows: rows, columns: columns, pixels: px)
    }

    static func writeMask(_ mask: [Bool], to path: String) throws {
        try Data(mask.map { $0 ? 1 : 0 }).write(to: URL(fileURLWithPath: path))
    }

    /// Writes every kind of output the writers make, plus a JSON manifest (with raw RGB and
    /// filled-mask files) for check_dicom_outputs.py. Returns the output paths and the manifest.
    static func writeAll(into dir: String) throws -> (outputs: [String], manifest: String) {
        let settings = try settings()
        var sc: [[String: Any]] = [], copies: [[String: Any]] = [], segs: [[String: Any]] = []

        // Secondary Captures: CT with a burned-in legend and outline overlay, MR filled ROI overlay,
        // frame 5 of the multi-frame Enhanced MR (referenced by frame number).
        let scSeries = DicomOutputSeries(seriesInstanceUID: settings.uids.uid(purpose: "series/sc"), seriesNumber: 9001,
                                         seriesDescription: "AI anomaly heatmap (not for clinical use)")
        let scWriter = DicomSecondaryCaptureWriter(settings: settings, series: scSeries)
        let scCases: [(String, Int, DicomOverlayMask.Style, DicomOverlayMask.Kind, Bool)] = [
            ("CT_small.dcm", 0, .outline, .graphics, true), ("MR_small.dcm", 0, .filled, .regionOfInterest, false),
            ("emri_small.dcm", 5, .outline, .graphics, false),
        ]
        for (i, (name, frame, style, kind, burned)) in scCases.enumerated() {
            let src = try source(name)
            let (rows, cols) = try size(src)
            let image = rgb(rows: rows, columns: cols)
            let m = mask(rows: rows, columns: cols)
            let out = "\(dir)/sc-\(i).dcm"
            try scWriter.write(image: image, burnedInAnnotation: burned,
                               overlay: DicomOverlayMask(rows: rows, columns: cols, mask: m, style: style, kind: kind),
                               source: try slice(src, frame: frame), instanceNumber: i + 1, to: out)
            try Data(image.pixels).write(to: URL(fileURLWithPath: "\(out).rgb"))
            try writeMask(m, to: "\(out).mask")
            sc.append(["path": out, "source": src, "frame": frame, "rows": rows, "cols": cols, "rgb": "\(out).rgb", "burned_in": burned,
                       "overlay": ["mask": "\(out).mask", "style": style == .outline ? "outline" : "filled",
                                   "type": String(kind.rawValue)]])
        }

        // Overlay copies: plain CT, and MR stored RLE-compressed (must come out decoded).
        let copySeries = DicomOutputSeries(seriesInstanceUID: settings.uids.uid(purpose: "series/copy"),
                                           seriesNumber: 9002, seriesDescription: "AI anomaly overlay")
        let copyWriter = DicomOverlayCopyWriter(settings: settings, series: copySeries)
        for (i, name) in ["CT_small.dcm", "MR_small_RLE.dcm"].enumerated() {
            let src = try source(name)
            let (rows, cols) = try size(src)
            let m = mask(rows: rows, columns: cols, shift: 3)
            let out = "\(dir)/copy-\(i).dcm"
            let written = try copyWriter.write(source: try slice(src),
                                               overlay: DicomOverlayMask(rows: rows, columns: cols, mask: m), to: out)
            try writeMask(m, to: "\(out).mask")
            copies.append(["path": out, "source": src, "group": written.overlayGroup ?? -1,
                           "overlay": ["mask": "\(out).mask", "style": "outline"]])
        }

        // SEG, single frame, geometry read from the classic CT source.
        do {
            let src = try source("CT_small.dcm")
            let (rows, cols) = try size(src)
            let m = mask(rows: rows, columns: cols)
            let out = "\(dir)/seg-ct.dcm"
            let series = DicomOutputSeries(number: 9003, description: "AI anomaly SEG", purpose: "seg",
                                           sourceSeriesUID: try dump(src, "0020,000e") ?? "", uids: settings.uids)
            try DicomSegWriter(settings: settings, series: series)
                .write(frames: [.init(source: try slice(src), mask: m)], rows: rows, columns: cols, geometry: nil, to: out)
            try writeMask(m, to: "\(out).f0.mask")
            segs.append(["path": out, "rows": rows, "cols": cols, "algorithm_name": settings.provenance.modelName,
                         "frames": [["source": src, "frame": 0, "mask": "\(out).f0.mask"]]])
        }

        // SEG of an Enhanced MR (10 frames, one file, no geometry in it): geometry from the caller,
        // frames passed out of order to check the in-stack ranking and frame references.
        do {
            let src = try source("emri_small.dcm")
            let (rows, cols) = try size(src)
            let out = "\(dir)/seg-emri.dcm"
            let series = DicomOutputSeries(number: 9004, description: "AI anomaly SEG", purpose: "seg",
                                           sourceSeriesUID: try dump(src, "0020,000e") ?? "", uids: settings.uids)
            let geometry = DicomSegWriter.Geometry(pixelSpacing: [0.9, 0.8], sliceThickness: 1.2,
                                                   orientation: [1, 0, 0, 0, 1, 0])
            var frames: [DicomSegWriter.Frame] = []
            var entries: [[String: Any]] = []
            let file = try slice(src)
            for f in [3, 0, 1, 2, 4, 5, 6, 7, 8, 9] {
                let m = mask(rows: rows, columns: cols, shift: f - 5)
                var frameRef = file
                frameRef.frame = f
                frameRef.position = [-28.8, -25.6, 1.2 * Double(f)]
                frames.append(.init(source: frameRef, mask: m))
                try writeMask(m, to: "\(out).f\(f).mask")
                entries.append(["source": src, "frame": f, "mask": "\(out).f\(f).mask"])
            }
            try DicomSegWriter(settings: settings, series: series)
                .write(frames: frames, rows: rows, columns: cols, geometry: geometry, to: out)
            segs.append(["path": out, "rows": rows, "cols": cols, "algorithm_name": settings.provenance.modelName,
                         "frames": entries])
        }

        let manifest = "\(dir)/manifest.json"
        let json = try JSONSerialization.data(withJSONObject: ["sc": sc, "copies": copies, "segs": segs],
                                              options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: manifest))
        let outputs = (sc + copies + segs).compactMap { $0["path"] as? String }
        return (outputs, manifest)
    }
}
