import Foundation
@testable import Pipeline

/// Child processes, DICOM inputs made with DCMTK's `dcmodify`, and output-tree checks for the
/// crash, output-folder, privacy and path tests.
enum FaultTestSupport {
    /// The outcome of a finished child process.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var both: String { stdout + stderr }
    }

    /// A built executable of this package next to the test bundle (`swift build --build-tests` builds them).
    static func executable(_ name: String) -> String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.path.hasSuffix(".xctest/Contents/MacOS") { folder = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        let candidates = [folder.appendingPathComponent(name).path, PipelineTestSupport.repositoryRoot + "/.build/debug/" + name]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    static var harness: String { executable("pipeline-kill-harness") }

    /// Starts `arguments[0]` with output going to files in `logFolder` (pipes could fill and stall a
    /// child that is about to be killed).
    static func start(_ arguments: [String], logFolder: String, label: String) throws -> (Process, String, String) {
        let out = logFolder + "/\(label).out", err = logFolder + "/\(label).err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        return (process, out, err)
    }

    /// Runs to the end and returns the status and output.
    static func run(_ arguments: [String], logFolder: String, label: String) throws -> Outcome {
        let (process, out, err) = try start(arguments, logFolder: logFolder, label: label)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Copies a sample DICOM file to `path` and applies `dcmodify` insertions (`"(gggg,eeee)=value"`);
    /// `newUIDs` gives the copy new study, series and instance UIDs first; `erase` removes tags (`"(gggg,eeee)"`).
    static func dicomCopy(of sample: String, to path: String, newUIDs: Bool, set values: [String] = [], erase: [String] = []) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: PipelineTestSupport.repositoryRoot + "/sample-data/dicom/" + sample, toPath: path)
        var arguments = ["/usr/bin/dcmodify", "-nb"]
        if newUIDs { arguments += ["-gst", "-gse", "-gin"] }
        for value in values { arguments += ["-i", value] }
        for tag in erase { arguments += ["-e", tag] }
        arguments.append(path)
        let outcome = try run(arguments, logFolder: (path as NSString).deletingLastPathComponent, label: ".dcmodify")
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent + "/.dcmodify.out")
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent + "/.dcmodify.err")
        guard outcome.status == 0 else {
            throw PipelineError.processingFailed(key: path, reason: "dcmodify failed: \(outcome.stderr)")
        }
    }

    static var hasDcmodify: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/dcmodify") }

    /// Every regular file under `root`, relative, sorted (hidden files included).
    static func files(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        for case let relative as String in enumerator {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue { out.append(relative) }
        }
        return out.sorted()
    }

    /// Files under `root` named like an engine temporary.
    static func temporaries(under root: String) -> [String] {
        files(under: root).filter { ($0 as NSString).lastPathComponent.hasPrefix(AtomicOutput.temporaryPrefix) }
    }

    /// Writes `text` as a pipeline file for DICOM and NIfTI inputs with the given outputs.
    static func pipeline(at path: String, input: String, output: String, model: String, outputs: String, concurrency: Int = 1,
                         layout: String = "study", reportFormats: String = "[json, csv, html]") throws {
        let yaml = """
        version: 1
        name: faults
        output: \(output)
        ingest:
          folders: [\(input)]
        select:
          - name: all
            min_slices: 1
        prepare:
          skip_empty: false
        infer:
          model: \(model)
          class_name: brain
          batch_size: 4
        write:
          outputs: \(outputs)
          layout: \(layout)
        report:
          formats: \(reportFormats)
        execution:
          concurrency: \(concurrency)
          blas_threads: 1
          retries: 0
        """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
