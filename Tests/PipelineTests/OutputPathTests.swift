import Foundation
import Logging
import Testing
@testable import Pipeline

/// Names from DICOM attributes never lead outside the output folder: the sanitising function on
/// hostile names, and whole runs on files whose UIDs and descriptions are hostile.
@Suite final class OutputPathTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("paths")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    static let hostile: [String] = [
        "..", ".", "../../etc", "../../../../../../tmp/escape", "/etc/passwd", "/", "//", "a/b", "a_b", "a\\b", "a\u{0}b", "\u{0}",
        "", " ", "trailing.", "trailing ", ".hidden", "...", "CON", "con", "con.txt", "Lpt1", "NUL", "nul.tar.gz", "COM9", "aux.",
        "ünïcødé", "😀", "e\u{301}", "\u{202E}gpj.exe", "new\nline", "tab\there", "C:\\Windows", "~", "~root", "$HOME", "`id`",
        String(repeating: "x", count: 5000), String(repeating: "9", count: 255), String(repeating: "é", count: 300),
        String(repeating: "../", count: 100), "1.2.840.10008.5.1.4.1.1.2",
    ]

    /// Independent check of one folder name: only portable characters, no dot at either end, not too
    /// long, not a Windows device name.
    static func isSafe(_ name: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        guard !name.isEmpty, name.utf8.count <= 255, name.allSatisfy(allowed.contains) else { return false }
        guard !name.hasPrefix("."), !name.hasSuffix(".") else { return false }
        let stem = name.split(separator: ".").first.map { $0.uppercased() } ?? ""
        let devices = ["CON", "PRN", "AUX", "NUL"] + (0...9).flatMap { ["COM\($0)", "LPT\($0)"] }
        return !devices.contains(stem)
    }

    /// Whether `relative` joined to `base` and resolved stays strictly inside `base`.
    static func staysInside(_ relative: String, base: String) -> Bool {
        let resolved = URL(fileURLWithPath: base + "/" + relative).standardizedFileURL.path
        return resolved.hasPrefix(base + "/") && !relative.hasPrefix("/")
    }

    @Test func hostileNamesBecomeOneSafeDistinctComponent() {
        var seen: [String: String] = [:]
        for raw in Self.hostile {
            let name = OutputPathName.component(raw)
            #expect(Self.isSafe(name), "\(raw.debugDescription) -> \(name.debugDescription)")
            #expect(Self.staysInside(name, base: "/out") && !name.contains("/"), "\(raw.debugDescription) -> \(name)")
            #expect(OutputPathName.component(raw) == name, "not deterministic for \(raw.debugDescription)")
            if let other = seen[name] { Issue.record("\(raw.debugDescription) and \(other.debugDescription) share \(name)") }
            seen[name] = raw
        }
    }

    @Test func wellFormedUIDsPassUnchanged() {
        var random = SplitMix64(state: 42)
        for _ in 0..<500 {
            var uid = "1.2"
            while true {
                let part = String(UInt64.random(in: 0...UInt64.max, using: &random) % 1_000_000_000)
                guard uid.count + 1 + part.count <= 64 else { break }
                uid += "." + part
            }
            #expect(OutputPathName.component(uid) == uid)
        }
    }

    @Test func flatNamesOfPlainKeysAreUnchangedAndOthersDistinct() {
        // Plain keys keep the earlier flat naming: `/` written as `_`.
        #expect(SeriesDiscovery.flatName("dicom/1.2.3/4.5.6") == "dicom_1.2.3_4.5.6")
        let keys = ["nifti/a_b.nii.gz", "nifti/a/b.nii.gz", "dicom/../..", "dicom/a/b/c", "dicom/a_b/c", "nifti/" + String(repeating: "q", count: 400),
                    "nifti/" + String(repeating: "q", count: 401), "dicom/CON/NUL", "nifti/ü.nii"]
        let names = keys.map(SeriesDiscovery.flatName)
        #expect(Set(names).count == keys.count, "\(names)")
        for (key, name) in zip(keys, names) { #expect(Self.isSafe(name), "\(key) -> \(name)") }
    }

    /// A processor that writes one marker file per job.
    struct MarkerProcessor: SeriesProcessor {
        func process(_ job: PipelineJob, context: JobContext) throws -> JobResult {
            JobResult(outputs: [try context.write(Data(job.inputKey.utf8), named: "marker.txt")])
        }
    }

    /// Hostile Study/Series Instance UIDs, patient IDs and descriptions in real DICOM files (written with
    /// dcmodify): every series gets its own folder inside the output folder, in both layouts.
    @Test(.enabled(if: FaultTestSupport.hasDcmodify, "needs dcmodify (dcmtk)"), arguments: ["study", "flat"])
    func hostileDicomAttributesStayInsideTheOutputFolder(layout: String) throws {
        let escape = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-escape-\(UUID().uuidString)").path
        let uids: [(study: String, series: String)] = [
            ("../../escape", "../../../escape2"), (escape, "x"), ("a/b", "c"), ("a_b", "c"), ("CON", "NUL.txt"),
            ("ünï😀", String(repeating: "7", count: 300)), (".", ".."), ("..", "."), ("/", "//"), ("1.2 3", "x\\..\\..\\y"),
            // Same key if UIDs were joined with `/` unescaped: "dicom/a/b/c".
            ("a", "b/c"), ("a%2Fb", "c"),
        ]
        for (i, uid) in uids.enumerated() {
            try FaultTestSupport.dicomCopy(of: "CT_small.dcm", to: root + "/in/f\(i).dcm", newUIDs: false, set: [
                "(0020,000d)=\(uid.study)", "(0020,000e)=\(uid.series)", "(0010,0020)=../../pid\(i)",
                "(0008,103e)=../../../series-description", "(0008,1030)=/etc/study-description", "(0010,0010)=../..^/x",
            ])
        }
        let output = root + "/deep/er/out"
        let yaml = """
        name: paths
        output: \(output)
        ingest:
          folders: [\(root)/in]
        select:
          - name: all
            min_slices: 1
        infer:
          model: \(root)/model
          class_name: brain
        write:
          outputs: [nifti]
          layout: \(layout)
        """
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        let before = FaultTestSupport.files(under: root)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let summary = try PipelineRunner(spec: spec, processor: MarkerProcessor(), logger: logger, interactiveProgress: false).run()
        #expect(summary.completed == uids.count && summary.failed == 0, "\(summary.failures)")

        let jobs = try JobStore(outputFolder: output).jobs()
        #expect(jobs.count == uids.count, "\(jobs.map(\.inputKey))")
        #expect(Set(jobs.map(\.outputFolder)).count == jobs.count, "two series share a folder")
        for job in jobs {
            let parts = job.outputFolder.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.allSatisfy(Self.isSafe) && Self.staysInside(job.outputFolder, base: output), "\(job.inputKey) -> \(job.outputFolder)")
            let marker = output + "/" + job.outputFolder + "/marker.txt"
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == job.inputKey)
            #expect(job.outputList == [job.outputFolder + "/marker.txt"])
        }
        #expect(Set(jobs.map(\.inputKey)).count == uids.count)
        // The names are stable: a second run finds every series up to date in its folder.
        let again = try PipelineRunner(spec: spec, processor: MarkerProcessor(), logger: logger, interactiveProgress: false).run()
        #expect(again.upToDate == uids.count && again.completed == 0, "\(again)")
        // Nothing was created outside the output folder.
        let after = FaultTestSupport.files(under: root)
        let outside = Set(after).subtracting(before).filter { !$0.hasPrefix("deep/er/out/") }
        #expect(outside.isEmpty, "written outside the output folder: \(outside.sorted())")
        #expect(!FileManager.default.fileExists(atPath: escape))
        #expect(!FileManager.default.fileExists(atPath: root + "/escape") && !FileManager.default.fileExists(atPath: root + "/deep/escape"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root)) == ["in", "deep", "model"])
    }
}
