import Foundation

/// C-STORE of a job's DICOM outputs with DCMTK's `dcmsend`, after they are written and before the
/// job counts as done, so a failed send is retried with the job.
///
/// Which files the peer stored is read from dcmsend's transfer report, file by file, so that a
/// retry sends only what did not arrive.
public struct DicomSender: Sendable {
    public var stage: SendStage
    /// The dcmsend executable.
    public var program: String

    /// What one send achieved.
    public struct Outcome: Sendable, Equatable {
        /// Files the peer answered with a success or warning status (stored).
        public var stored: [String]
        /// Why the rest were not stored; nil when every file was.
        public var failure: String?
    }

    public init(stage: SendStage, program: String = "dcmsend") {
        self.stage = stage
        self.program = program
    }

    /// The dcmsend arguments for `files`.
    public func arguments(files: [String]) -> [String] {
        let t = String(stage.timeoutSeconds)
        return ["--aetitle", stage.callingAETitle, "--call", stage.aeTitle, "--no-halt",
                "--timeout", t, "--acse-timeout", t, "--dimse-timeout", t, stage.host, String(stage.port)] + files
    }

    /// Sends `files` (DICOM files only); throws with dcmsend's own message unless every file was stored.
    public func send(files: [String], key: String) throws {
        if let failure = try sendEach(files: files, key: key).failure {
            throw PipelineError.processingFailed(key: key, reason: failure)
        }
    }

    /// Sends `files` (DICOM files only: names ending in `.dcm`) in one association and says which the
    /// peer stored. Throws only when dcmsend cannot be started.
    public func sendEach(files: [String], key: String) throws -> Outcome {
        let dicom = files.filter { $0.hasSuffix(".dcm") }
        guard !dicom.isEmpty else { return Outcome(stored: [], failure: nil) }
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-dcmsend-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program, "--create-report-file", report] + arguments(files: dicom)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PipelineError.processingFailed(key: key, reason: "cannot start \(program): \(error)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // dcmsend writes the report only when the transfer took place; without it nothing counts as stored.
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        let storedSet = Set(Self.storedFiles(report: text))
        let stored = dicom.filter { storedSet.contains($0) }
        if process.terminationStatus == 0 && stored.count == dicom.count {
            return Outcome(stored: stored, failure: nil)
        }
        let detail = String(decoding: message, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
        let refused = dicom.filter { !storedSet.contains($0) }.map { ($0 as NSString).lastPathComponent }
        return Outcome(stored: stored, failure: "sending to \(stage.aeTitle)@\(stage.host):\(stage.port) failed (dcmsend exit \(process.terminationStatus)): "
            + "\(stored.count) of \(dicom.count) files stored; not stored: \(refused.prefix(5).joined(separator: ", "))\(refused.count > 5 ? ", …" : "")"
            + (detail.isEmpty ? "" : "; \(detail)"))
    }

    /// Files a dcmsend transfer report lists with a success (0x0000) or warning (0xB…) status.
    static func storedFiles(report: String) -> [String] {
        var stored: [String] = []
        var file: String?
        for line in report.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Filename") {
                file = line.firstIndex(of: ":").map { String(line[line.index(after: $0)...]).trimmingCharacters(in: .whitespaces) }
            } else if line.hasPrefix("DIMSE Status"), let name = file,
                      let value = line.firstIndex(of: ":").map({ line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces) }) {
                if value.hasPrefix("0x0000") || value.uppercased().hasPrefix("0XB") { stored.append(name) }
                file = nil
            }
        }
        return stored
    }
}
