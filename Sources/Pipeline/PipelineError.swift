import Foundation

/// Everything that can go wrong in the Pipeline module. Cases about a file name it.
public enum PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// The pipeline file has problems; every one is listed with its line and column.
    case invalidPipeline(path: String, diagnostics: [PipelineDiagnostic])
    /// Another process holds the output folder's lock.
    case outputLocked(folder: String, holderPID: Int32?)
    /// The output folder or its lock file could not be created or locked.
    case outputUnavailable(folder: String, reason: String)
    /// The job database could not be opened, migrated or written.
    case stateDatabase(path: String, reason: String)
    /// An input folder given to discovery does not exist or cannot be listed.
    case inputUnavailable(path: String, reason: String)
    /// A job ran past its time limit.
    case jobTimedOut(key: String, seconds: Double)
    /// A job's processor reported success but an output it listed is missing.
    case missingOutput(key: String, path: String)
    /// Writing or renaming an output file failed.
    case outputWriteFailed(path: String, reason: String)
    /// The requested executor cannot run here.
    case executorUnavailable(name: String, reason: String)
    /// A series could not be processed (raised by processors).
    case processingFailed(key: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .invalidPipeline(path, diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }.count
            return "\(path): \(errors) error(s)\n" + diagnostics.map(\.description).joined(separator: "\n")
        case let .outputLocked(folder, pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "\(folder): in use by \(holder) (another run holds \(folder)/.lock); wait for it to finish or choose another output folder"
        case let .outputUnavailable(folder, reason): return "\(folder): output folder unavailable: \(reason)"
        case let .stateDatabase(path, reason): return "\(path): job database error: \(reason)"
        case let .inputUnavailable(path, reason): return "\(path): input unavailable: \(reason)"
        case let .jobTimedOut(key, seconds): return "\(key): timed out after \(String(format: "%g", seconds)) s"
        case let .missingOutput(key, path): return "\(key): output \(path) was reported but does not exist"
        case let .outputWriteFailed(path, reason): return "\(path): cannot write output: \(reason)"
        case let .executorUnavailable(name, reason): return "executor \(name) unavailable: \(reason)"
        case let .processingFailed(key, reason): return "\(key): \(reason)"
        }
    }
}
