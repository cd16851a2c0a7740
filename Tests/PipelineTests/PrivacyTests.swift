import Foundation
import MedIO
import Testing
@testable import Pipeline

/// `medvmad run` on DICOM files with known patient names, IDs and birth dates — good ones and broken
/// ones — must not repeat any of them in its output, logs (debug level), reports, results, job table
/// or error messages. There is no report option to include patient data, so no report may hold it.
/// Only the DICOM objects written back into the patient's study carry the patient module, by design.
@Suite final class PrivacyTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("privacy")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Patients of the test inputs: name, ID, birth date (DICOM DA), other IDs.
    static let patients: [(name: String, id: String, birth: String, other: String)] = [
        ("ZEBEDEE^QUILLON^ANSELM", "PQX-4417-ALPHA", "19310417", "OTHERID-88231"),
        ("VORTIGERN^MABYNOGRION", "PQX-9902-BRAVO", "20011129", "OTHERID-51177"),
        ("HALVARD^ISOLDE", "PQX-3318-CHARLIE", "19870305", "OTHERID-60419"),
    ]

    /// Every string that must not leak: each name part, the IDs, and the birth date as written and as ISO.
    static var needles: [String] {
        patients.flatMap { p -> [String] in
            let birth = p.birth
            let iso = "\(birth.prefix(4))-\(birth.dropFirst(4).prefix(2))-\(birth.suffix(2))"
            return p.name.split(separator: "^").map(String.init) + [p.id, p.other, birth, iso]
        }
    }

    static func tags(_ p: (name: String, id: String, birth: String, other: String)) -> [String] {
        ["(0010,0010)=\(p.name)", "(0010,0020)=\(p.id)", "(0010,0030)=\(p.birth)", "(0010,1000)=\(p.other)"]
    }

    /// Needles found in `text`.
    static func leaks(in text: String) -> [String] {
        needles.filter { text.localizedCaseInsensitiveContains($0) }
    }

    @Test(.enabled(if: FaultTestSupport.hasDcmodify, "needs dcmodify (dcmtk)"))
    func patientDataAppearsInNoLogReportResultOrErrorMessage() throws {
        let medvmad = FaultTestSupport.executable("medvmad")
        try #require(FileManager.default.isExecutableFile(atPath: medvmad), "build medvmad first: swift build --build-tests")
        try MedVMADSeriesProcessorTests.makeModel(at: root + "/model")
        let input = root + "/in"
        // Two good series.
        try FaultTestSupport.dicomCopy(of: "CT_small.dcm", to: input + "/good/ct.dcm", newUIDs: true, set: Self.tags(Self.patients[0]))
        try FaultTestSupport.dicomCopy(of: "MR_small.dcm", to: input + "/good/mr.dcm", newUIDs: true, set: Self.tags(Self.patients[1]))
        // Broken: pixel data cut short (header readable), and a header cut inside the patient module.
        try FaultTestSupport.dicomCopy(of: "MR_small.dcm", to: input + "/broken/short-pixels.dcm", newUIDs: true, set: Self.tags(Self.patients[2]))
        try truncate(input + "/broken/short-pixels.dcm", keepingBytesBefore: 2000, fromEnd: true)
        try FaultTestSupport.dicomCopy(of: "CT_small.dcm", to: input + "/broken/short-header.dcm", newUIDs: true, set: Self.tags(Self.patients[2]))
        let header = try Data(contentsOf: URL(fileURLWithPath: input + "/broken/short-header.dcm"))
        let cut = try #require(header.range(of: Data(Self.patients[2].id.utf8))).upperBound + 40
        try header.prefix(cut).write(to: URL(fileURLWithPath: input + "/broken/short-header.dcm"))
        // A broken series that discovery accepts and planning refuses: one of its two slices has no position.
        let first = try DicomHeader.read(path: input + "/good/ct.dcm")
        try FaultTestSupport.dicomCopy(of: "CT_small.dcm", to: input + "/broken/unplaced-a.dcm", newUIDs: true, set: Self.tags(Self.patients[2]))
        let unplaced = try DicomHeader.read(path: input + "/broken/unplaced-a.dcm")
        try FaultTestSupport.dicomCopy(of: "CT_small.dcm", to: input + "/broken/unplaced-b.dcm", newUIDs: false, set: Self.tags(Self.patients[2]) + [
            "(0020,000d)=\(unplaced.studyInstanceUID)", "(0020,000e)=\(unplaced.seriesInstanceUID)", "(0008,0018)=\(first.sopInstanceUID).9"],
            erase: ["(0020,0032)"])
        // The test can fail: the needles are really in the inputs.
        for file in FaultTestSupport.files(under: input) {
            #expect(!Self.leaks(in: String(decoding: try Data(contentsOf: URL(fileURLWithPath: input + "/" + file)), as: UTF8.self)).isEmpty, "\(file)")
        }

        let pipeline = root + "/p.yaml"
        try FaultTestSupport.pipeline(at: pipeline, input: input, output: root + "/out", model: root + "/model",
                                      outputs: "[nifti, png, seg, sc, overlay]")
        let outcome = try FaultTestSupport.run([medvmad, "run", pipeline, "--verbose"], logFolder: root, label: "run")
        // Some series fail (the broken ones), the good ones are done.
        #expect(outcome.status == 3 || outcome.status == 0, "\(outcome.both)")
        let jobs = try JobStore(outputFolder: root + "/out").jobs()
        #expect(jobs.filter { $0.state == .done }.count == 2 && jobs.count == 3, "\(jobs.map { "\($0.inputKey) \($0.state) \($0.error ?? "")" })")
        #expect(jobs.contains { $0.state != .done && ($0.error ?? "").contains("unplaced-b.dcm") }, "the broken series was not noticed")
        #expect(outcome.both.contains("count=2") && outcome.both.contains("files skipped during discovery"), "the truncated files were not noticed")
        print("privacy: exit \(outcome.status); output:\n\(outcome.both)")
        #expect(Self.leaks(in: outcome.both).isEmpty, "patient data in the output of medvmad run: \(Self.leaks(in: outcome.both))")

        // Status listing and validation messages of the same folder and inputs.
        let status = try FaultTestSupport.run([medvmad, "status", root + "/out"], logFolder: root, label: "status")
        #expect(Self.leaks(in: status.both).isEmpty, "patient data in medvmad status: \(Self.leaks(in: status.both))")

        // Every file written except the DICOM objects: reports, results, maps, figures, the job table.
        var scanned = 0
        var dicom = 0
        for file in FaultTestSupport.files(under: root + "/out") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/out/" + file))
            if file.hasSuffix(".dcm") {
                dicom += 1
                continue
            }
            scanned += 1
            // Latin-1 decoding keeps every byte, so a name inside a binary file (SQLite pages) is found too.
            let text = String(decoding: bytes, as: UTF8.self) + (String(data: bytes, encoding: .isoLatin1) ?? "")
            #expect(Self.leaks(in: text).isEmpty, "patient data in \(file): \(Self.leaks(in: text))")
        }
        #expect(dicom > 0 && scanned >= 5)
        for job in jobs {
            #expect(Self.leaks(in: (job.error ?? "") + job.inputKey + job.outputFolder).isEmpty, "\(job.inputKey)")
        }
        print("privacy: \(scanned) files and \(jobs.count) job rows scanned for \(Self.needles.count) patient strings; \(dicom) DICOM outputs carry the patient module by design")
    }

    func truncate(_ path: String, keepingBytesBefore count: Int, fromEnd: Bool) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(fromEnd ? data.count - count : count).write(to: URL(fileURLWithPath: path))
    }
}
