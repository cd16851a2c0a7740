import Foundation
import GRDB

/// The job table of one output folder (`OUTPUT/state.sqlite`). Every state change is one transaction,
/// so a run killed at any point leaves the table consistent: at worst a job stays `running`, and the
/// next run treats it as pending.
public final class JobStore: Sendable {
    public let path: String
    private let queue: DatabaseQueue

    /// What reconciling discovery with the table decided.
    public struct Plan: Sendable {
        /// Jobs to run now, in key order.
        public var toRun: [PipelineJob]
        /// Jobs already done with unchanged input and model.
        public var upToDate: [PipelineJob]
        /// Series no rule matched.
        public var skipped: [PipelineJob]
    }

    /// Opens or creates the table in `outputFolder`.
    public init(outputFolder: String) throws(PipelineError) {
        path = outputFolder + "/state.sqlite"
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            // Workers of a Slurm array claim jobs from several processes; GRDB 7 opens write
            // transactions IMMEDIATE, so read-then-claim in `claimNext` is atomic across processes.
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw .stateDatabase(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "job") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("input_key", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("error", .text)
                t.column("rule", .text)
                t.column("fingerprint", .text).notNull()
                t.column("model_hash", .text).notNull()
                t.column("output_folder", .text).notNull()
                t.column("outputs", .text).notNull().defaults(to: "[]")
                t.column("input_files", .text).notNull().defaults(to: "[]")
                t.column("created_at", .datetime).notNull()
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("duration", .double)
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("pid", .integer).notNull()
                t.column("pipeline", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
            }
        }
        // Which DICOM outputs the send stage delivered, so a retry sends only the rest.
        migrator.registerMigration("v2-sent") { db in
            try db.alter(table: "job") { t in
                t.add(column: "sent", .text).notNull().defaults(to: "[]")
            }
        }
        return migrator
    }

    private func write<T>(_ body: (Database) throws -> T) throws(PipelineError) -> T {
        do { return try queue.write(body) } catch { throw .stateDatabase(path: path, reason: "\(error)") }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(PipelineError) -> T {
        do { return try queue.read(body) } catch { throw .stateDatabase(path: path, reason: "\(error)") }
    }

    /// Brings the table in line with what discovery found, in one transaction: new series become
    /// pending, done jobs with unchanged fingerprint and model hash stay done, everything else
    /// (changed, failed, interrupted) is queued again.
    public func reconcile(_ entries: [Entry], modelHash: String, now: Date) throws(PipelineError) -> Plan {
        try write { db in
            var plan = Plan(toRun: [], upToDate: [], skipped: [])
            for entry in entries {
                var job = try PipelineJob.filter(Column("input_key") == entry.candidate.key).fetchOne(db)
                    ?? PipelineJob(inputKey: entry.candidate.key, kind: entry.candidate.kind.rawValue, state: .pending,
                                   fingerprint: entry.fingerprint, modelHash: modelHash, outputFolder: entry.candidate.outputName,
                                   inputFiles: entry.candidate.files, rule: nil, error: nil, createdAt: now)
                let unchanged = job.fingerprint == entry.fingerprint && job.modelHash == modelHash
                if !unchanged {
                    // Outputs and deliveries of another input or model are not this job's any more.
                    job.attempts = 0
                    job.outputs = "[]"
                    job.sent = "[]"
                }
                job.fingerprint = entry.fingerprint
                job.modelHash = modelHash
                job.outputFolder = entry.candidate.outputName
                job.inputFiles = PipelineJob.encode(entry.candidate.files)
                switch entry.outcome {
                case .notSelected:
                    job.state = .skipped
                    job.rule = nil
                    job.error = entry.outcome.summary
                        + (entry.candidate.problems.isEmpty ? "" : "; series problem: " + entry.candidate.problems.joined(separator: "; "))
                    try job.save(db)
                    plan.skipped.append(job)
                case .selected(let rule):
                    if let problem = entry.candidate.problems.first, !problem.isEmpty {
                        // An unusable series is a failure with its reason, not something to retry blindly.
                        job.state = .failed
                        job.rule = rule
                        job.error = entry.candidate.problems.joined(separator: "; ")
                        try job.save(db)
                        continue
                    }
                    job.rule = rule
                    if job.state == .done && unchanged {
                        try job.save(db)
                        plan.upToDate.append(job)
                    } else {
                        job.state = .pending
                        job.error = nil
                        try job.save(db)
                        plan.toRun.append(job)
                    }
                }
            }
            return plan
        }
    }

    /// A discovered candidate with its selection outcome and fingerprint.
    public struct Entry: Sendable {
        public var candidate: SeriesCandidate
        public var outcome: SelectionOutcome
        public var fingerprint: String

        public init(candidate: SeriesCandidate, outcome: SelectionOutcome, fingerprint: String) {
            self.candidate = candidate
            self.outcome = outcome
            self.fingerprint = fingerprint
        }
    }

    /// Claims a job for an attempt.
    public func markRunning(_ id: Int64, now: Date) throws(PipelineError) {
        try write { db in
            try db.execute(sql: "UPDATE job SET state = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, error = NULL WHERE id = ?",
                           arguments: [now, id])
        }
    }

    /// Records success with the outputs (relative to the output root).
    public func markDone(_ id: Int64, outputs: [String], now: Date, duration: Double) throws(PipelineError) {
        try write { db in
            try db.execute(sql: "UPDATE job SET state = 'done', outputs = ?, finished_at = ?, duration = ?, error = NULL WHERE id = ?",
                           arguments: [PipelineJob.encode(outputs), now, duration, id])
        }
    }

    /// Records a failed attempt; `final` decides between failed and still running (this worker
    /// retries at once, so no other worker may claim the job in between). `outputs` are kept only
    /// when the outputs are complete and what failed came after them (sending): a later attempt then
    /// resumes from them instead of processing again.
    public func markFailed(_ id: Int64, error: String, final: Bool, now: Date, duration: Double, outputs: [String] = []) throws(PipelineError) {
        try write { db in
            try db.execute(sql: "UPDATE job SET state = ?, error = ?, outputs = ?, finished_at = ?, duration = ? WHERE id = ?",
                           arguments: [final ? JobState.failed.rawValue : JobState.running.rawValue, error, PipelineJob.encode(outputs), now, duration, id])
        }
    }

    /// Adds `files` (relative to the output root) to the job's delivered DICOM outputs.
    public func markSent(_ id: Int64, files: [String]) throws(PipelineError) {
        guard !files.isEmpty else { return }
        try write { db in
            let current = try String.fetchOne(db, sql: "SELECT sent FROM job WHERE id = ?", arguments: [id]).map(PipelineJob.decode) ?? []
            let merged = current + files.filter { !current.contains($0) }
            try db.execute(sql: "UPDATE job SET sent = ? WHERE id = ?", arguments: [PipelineJob.encode(merged), id])
        }
    }

    /// Claims the next pending job for a worker process (state `running`); nil when none is left.
    public func claimNext(now: Date) throws(PipelineError) -> PipelineJob? {
        try write { db in
            guard var job = try PipelineJob.filter(Column("state") == JobState.pending.rawValue).order(Column("input_key")).fetchOne(db) else {
                return nil
            }
            job.state = .running
            job.startedAt = now
            try job.update(db)
            return job
        }
    }

    /// Marks jobs a dead worker left `running` as failed with `reason`; returns how many.
    public func failAbandoned(reason: String, now: Date) throws(PipelineError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE job SET state = 'failed', error = ?, finished_at = ? WHERE state = 'running'", arguments: [reason, now])
            return db.changesCount
        }
    }

    /// Whether run `id` exists and has not finished.
    public func runIsActive(_ id: Int64) throws(PipelineError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT finished_at IS NULL FROM run WHERE id = ?", arguments: [id]) ?? false
        }
    }

    /// Every job, in key order.
    public func jobs() throws(PipelineError) -> [PipelineJob] {
        try read { db in try PipelineJob.order(Column("input_key")).fetchAll(db) }
    }

    /// One job by id.
    public func job(_ id: Int64) throws(PipelineError) -> PipelineJob? {
        try read { db in try PipelineJob.fetchOne(db, key: id) }
    }

    /// Notes the start of a run; returns its id.
    public func beginRun(pipeline: String, pid: Int32, now: Date) throws(PipelineError) -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO run (pid, pipeline, started_at) VALUES (?, ?, ?)", arguments: [pid, pipeline, now])
            return db.lastInsertedRowID
        }
    }

    public func endRun(_ id: Int64, now: Date) throws(PipelineError) {
        try write { db in try db.execute(sql: "UPDATE run SET finished_at = ? WHERE id = ?", arguments: [now, id]) }
    }

    /// Counts per state.
    public func counts() throws(PipelineError) -> [JobState: Int] {
        var result: [JobState: Int] = [:]
        for job in try jobs() { result[job.state, default: 0] += 1 }
        return result
    }
}
