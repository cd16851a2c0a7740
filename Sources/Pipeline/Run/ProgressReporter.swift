import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reports batch progress: a self-updating line (done/total, failures, ETA) when stderr is a
/// terminal, plain log lines otherwise (cron mail, journald, Slurm output files).
public final class ProgressReporter: Sendable {
    struct Counters {
        var finished = 0
        var failed = 0
        var started = Date()
        var lineShown = false
    }

    public let total: Int
    public let interactive: Bool
    private let logger: Logger
    private let counters = Mutex(Counters())

    public init(total: Int, logger: Logger, interactive: Bool = isatty(STDERR_FILENO) != 0) {
        self.total = total
        self.logger = logger
        self.interactive = interactive
    }

    /// Records a finished job and reports it.
    public func finished(key: String, succeeded: Bool, detail: String? = nil) {
        let (finished, failed, eta) = counters.withLock { c -> (Int, Int, Double?) in
            c.finished += 1
            if !succeeded { c.failed += 1 }
            let elapsed = Date().timeIntervalSince(c.started)
            let eta = c.finished > 0 && total > 0 ? elapsed / Double(c.finished) * Double(total - c.finished) : nil
            return (c.finished, c.failed, eta)
        }
        if interactive {
            let line = "\r[\(finished)/\(total)] series done, \(failed) failed, ETA \(Self.format(eta))\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            counters.withLock { $0.lineShown = true }
            if !succeeded, let detail { FileHandle.standardError.write(Data("\n\(key): \(detail)\n".utf8)) }
        } else {
            // A Slurm worker does not know the batch size (total 0): it reports counts only.
            var metadata: Logger.Metadata = ["job": "\(key)", "progress": total > 0 ? "\(finished)/\(total)" : "\(finished)"]
            if total > 0 { metadata["eta_s"] = "\(Int(eta ?? 0))" }
            if succeeded {
                logger.info("job done", metadata: metadata)
            } else {
                metadata["reason"] = "\(detail ?? "")"
                logger.error("job failed", metadata: metadata)
            }
        }
    }

    /// Ends the progress line.
    public func close() {
        if counters.withLock({ $0.lineShown }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func format(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
