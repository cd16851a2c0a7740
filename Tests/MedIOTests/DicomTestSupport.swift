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
