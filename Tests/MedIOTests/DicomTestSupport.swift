import Foundation
import FixtureSupport
@testable import MedIO

/// Paths of the curated DICOM samples and their pydicom-computed reference.
enum DicomSamples {
    static let folder = Fixtures.projectRoot.appendingPathComponent("sample-data/dicom")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    struct Probe: Decodable { let frame: Int; let y: Int; let x: Int; let value: Double }
    struct Entry: Decodable {
        let sha256: String
        let transferSyntax: String
        let sopClass: String
        let modality: String
        let frames: Int
        let rows: Int
        let columns: Int
        let photometric: String
        let inverted: Bool
        let rescaled: Bool
        let min: Double
        let max: Double
        let sum: Double
        let frameSums: [Double]
        let positions: [[Double]?]
        let probes: [Probe]
        let header: Header
    }
    struct Header: Decodable {
        let studyInstanceUID: String
        let seriesInstanceUID: String
        let sopInstanceUID: String
        let imageType: [String]
        let bitsStored: Int
        let pixelRepresentation: Int
        let pixelSpacing: [Double]?
        let imagePosition: [Double]?
        let imageOrientation: [Double]?
        let rescale: [Double]?
        let windowCenter: Double?
        let patientName: String
    }
    struct Reference: Decodable { let files: [String: Entry] }

    /// The reference JSON written by make_dicom_reference.py.
    static func reference() throws -> Reference {
        let url = Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/dicom/dicom-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("medio-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs dcmodify (from the dcmtk package) on a file in place, without a backup.
    static func dcmodify(_ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/dcmodify")
        p.arguments = ["-nb"] + args + [path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw MedIOError.writeFailed(path: path, reason: "dcmodify \(args) exited \(p.terminationStatus)") }
    }
}

/// Builds series in a temporary folder from a real file by writing copies with edited geometry.
struct SyntheticSeries {
    /// An oblique orientation (rows along (0.8, 0.6, 0), columns along −z), so a test cannot pass
    /// by assuming axial identity geometry.
    static let rowDirection = [0.8, 0.6, 0.0]
    static let columnDirection = [0.0, 0.0, -1.0]
    /// rowDirection × columnDirection.
    static let normal = [-0.6, 0.8, 0.0]
    static let origin = [10.0, -20.0, 30.0]
    static let step = 2.5

    let folder: URL
    let seriesUID: String
    let studyUID: String

    init(folder: URL, studyUID: String = "2.25.\(UInt64.random(in: 1...UInt64.max))",
         seriesUID: String = "2.25.\(UInt64.random(in: 1...UInt64.max))") {
        self.folder = folder
        self.studyUID = studyUID
        self.seriesUID = seriesUID
    }

    /// Position of slice index `k` (in units of `step` along the normal).
    static func position(_ k: Double) -> [Double] {
        (0..<3).map { origin[$0] + k * step * normal[$0] }
    }

    /// Writes a copy of `source` named `name` at slice index `k`, with intercept offset `k * 10`
    /// so the slice order is visible in the decoded values. `extra` are further dcmodify arguments.
    @discardableResult
    func write(_ name: String, source: String = "CT_small.dcm", k: Double, instance: Int,
               orientation: [Double]? = nil, extra: [String] = []) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: DicomSamples.path(source), toPath: path)
        let p = Self.position(k)
        let o = orientation ?? (Self.rowDirection + Self.columnDirection)
        let ds = { (v: [Double]) in v.map { String($0) }.joined(separator: "\\") }
        try DicomSamples.dcmodify(path, [
            "-m", "(0020,000d)=\(studyUID)", "-m", "(0020,000e)=\(seriesUID)",
            "-m", "(0008,0018)=2.25.\(UInt64.random(in: 1...UInt64.max))",
            "-m", "(0020,0013)=\(instance)",
            "-m", "(0020,0032)=\(ds(p))", "-m", "(0020,0037)=\(ds(o))",
            "-i", "(0028,1052)=\(-1024 + 10 * k)", "-i", "(0028,1053)=1",
        ] + extra)
        return path
    }
}
