import Foundation

/// C-STORE of a job's DICOM outputs with DCMTK's `dcmsend`, after they are written and before the
/// job counts as done, so a failed send is retried with the job.
public struct DicomSender: Sendable {
    public var stage: SendStage
    /// The dcmsend executable.
    public var program: String

    public init(stage: SendStage, program: String = "dcmsend") {
        self.stage = stage
        self.program = program
    }

    /// The dcmsend arguments for `files`.
    public func arguments(files: [String]) -> [String] {
        ["--aetitle", stage.callingAETitle, "--call", stage.aeTitle, "--no-halt", stage.host, String(stage.port)] + files
    }

    /// Sends `files` (DICOM files only); throws with dcmsend's own message on failure.
    public func send(files: [String], key: String) throws {
        let dicom = files.filter { $0.hasSuffix(".dcm") }
        guard !dicom.isEmpty else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments(files: dicom)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PipelineError.processingFailed(key: key, reason: "cannot start \(program): \(error)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
            throw PipelineError.processingFailed(key: key,
                reason: "sending to \(stage.aeTitle)@\(stage.host):\(stage.port) failed (dcmsend exit \(process.terminationStatus)): \(text)")
        }
    }
}
