import Foundation
import Logging

/// The model-specific work for one series: read it, run the model, write outputs. The engine owns
/// discovery, selection, state, retries, locking and progress; a processor only turns one job into files.
///
/// Implementations write every file through `JobContext.write` / `JobContext.commit` so that a killed
/// run never leaves a half-written output under a final name.
public protocol SeriesProcessor: Sendable {
    func process(_ job: PipelineJob, context: JobContext) throws -> JobResult
}

/// What a processor gets besides the job.
public struct JobContext: Sendable {
    /// The compiled pipeline.
    public var spec: PipelineSpec
    /// Output root.
    public var outputRoot: String
    /// This job's output folder (absolute); created before `process` is called.
    public var outputFolder: String
    /// The input files, absolute.
    public var inputFiles: [String]
    /// 1-based attempt number.
    public var attempt: Int
    /// When the job must be finished (from `execution.timeout_seconds`), if limited.
    public var deadline: Date?
    /// Logger with the job key as metadata; never log patient data through it.
    public var logger: Logger
    /// The key of the job.
    public var key: String

    public init(spec: PipelineSpec, outputRoot: String, outputFolder: String, inputFiles: [String], attempt: Int, deadline: Date?,
                logger: Logger, key: String) {
        self.spec = spec
        self.outputRoot = outputRoot
        self.outputFolder = outputFolder
        self.inputFiles = inputFiles
        self.attempt = attempt
        self.deadline = deadline
        self.logger = logger
        self.key = key
    }

    /// Writes `data` as `name` inside the job's folder atomically; returns the final path.
    @discardableResult
    public func write(_ data: Data, named name: String) throws -> String {
        let path = outputFolder + "/" + name
        try AtomicOutput.write(data, to: path)
        return path
    }

    /// A temporary path for `name` for writers that create files themselves; pass it to `commit`.
    public func temporaryPath(named name: String) -> String {
        AtomicOutput.temporaryPath(for: outputFolder + "/" + name)
    }

    /// Renames a finished temporary file to `name`; returns the final path.
    @discardableResult
    public func commit(_ temporary: String, as name: String) throws -> String {
        let path = outputFolder + "/" + name
        try AtomicOutput.commit(temporary, to: path)
        return path
    }

    /// Throws `PipelineError.jobTimedOut` once the deadline has passed. Processors call it between
    /// steps and hand it to long computations as their interrupt (MedVMAD checks it before every
    /// transformer block): a running BLAS call cannot be interrupted safely, so the limit is checked
    /// often rather than imposed from outside, and a job overruns it by at most one step.
    public func checkDeadline(now: Date = Date()) throws {
        if let deadline, now > deadline {
            throw PipelineError.jobTimedOut(key: key, seconds: spec.execution.timeoutSeconds ?? 0)
        }
    }
}

/// What a processor produced.
public struct JobResult: Sendable, Equatable {
    /// Files written (absolute or relative to the output root); each must exist when the job is recorded done.
    public var outputs: [String]
    /// Notes for the report (windows used, slices skipped, …); no patient data.
    public var notes: [String]

    public init(outputs: [String], notes: [String] = []) {
        self.outputs = outputs
        self.notes = notes
    }
}
