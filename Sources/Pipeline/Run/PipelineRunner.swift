import Foundation
import Logging
import Synchronization

/// Runs a pipeline over input folders into an output folder: lock, discover, select, reconcile with
/// the job table, process what is pending (concurrently, with retries), write the report.
///
/// One bad series never stops the batch: its failure is recorded with the reason and the run goes on.
public struct PipelineRunner: Sendable {
    public var spec: PipelineSpec
    public var inputFolders: [String]
    public var outputRoot: String
    public var processor: any SeriesProcessor
    public var logger: Logger
    /// Progress as a terminal line (nil: when stderr is a terminal).
    public var interactiveProgress: Bool?
    /// Injected clock, so tests can fix times.
    public var clock: @Sendable () -> Date
    /// The command a Slurm array task runs (`medvmad run FILE --output DIR`); `--worker RUN_ID` is appended.
    public var workerCommand: [String] = []
    /// Folder NIfTI keys are relative to (nil: each input folder).
    public var discoveryBase: String?
    /// Asked between jobs; when true no further job starts (running ones finish and are recorded).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(spec: PipelineSpec, inputFolders: [String]? = nil, outputRoot: String? = nil, processor: any SeriesProcessor,
                logger: Logger, interactiveProgress: Bool? = nil, clock: @escaping @Sendable () -> Date = { Date() }) throws(PipelineError) {
        self.spec = spec
        self.inputFolders = inputFolders ?? spec.ingest.folders
        guard let output = outputRoot ?? spec.output else {
            throw .outputUnavailable(folder: "(none)", reason: "no output folder: set 'output:' in \(spec.path) or pass --output")
        }
        self.outputRoot = URL(fileURLWithPath: output).standardizedFileURL.path
        self.processor = processor
        self.logger = logger
        self.interactiveProgress = interactiveProgress
        self.clock = clock
    }

    /// Runs to completion; throws only for problems of the run as a whole (lock, database, input folder).
    public func run() throws(PipelineError) -> RunSummary {
        let lock = try OutputLock(folder: outputRoot)
        defer { lock.release() }
        let store = try JobStore(outputFolder: outputRoot)
        let runID = try store.beginRun(pipeline: spec.path, pid: getpid(), now: clock())
        let planned = try plan(store: store)
        switch spec.execution.executor {
        case .local:
            try execute(planned.plan.toRun, store: store)
        case .slurm:
            try SlurmExecutor(runner: self, runID: runID).execute(planned.plan.toRun, store: store)
        }
        let summary = try finish(store: store, keys: planned.keys, ran: Set(planned.plan.toRun.map(\.inputKey)))
        try store.endRun(runID, now: clock())
        return summary
    }

    /// Worker mode (one Slurm array task): claims pending jobs of run `runID` from the job table until
    /// none is left. Takes no folder lock: the coordinating run holds it for the whole array.
    public func runWorker(runID: Int64) throws(PipelineError) -> Int {
        let store = try JobStore(outputFolder: outputRoot)
        guard try store.runIsActive(runID) else {
            throw .executorUnavailable(name: "slurm", reason: "run \(runID) in \(outputRoot) is not active; workers only serve a running coordinator")
        }
        let progress = ProgressReporter(total: 0, logger: logger, interactive: false)
        var count = 0
        while !shouldStop(), let job = try store.claimNext(now: clock()) {
            try runJob(job, store: store, progress: progress)
            count += 1
        }
        return count
    }

    /// Discovery, selection and reconciliation with the job table.
    func plan(store: JobStore) throws(PipelineError) -> (plan: JobStore.Plan, keys: Set<String>) {
        let discovery = try SeriesDiscovery(ingest: spec.ingest, layout: spec.write.layout).discover(folders: inputFolders, relativeTo: discoveryBase)
        if !discovery.skippedFiles.isEmpty {
            logger.notice("files skipped during discovery", metadata: ["count": "\(discovery.skippedFiles.count)"])
        }
        let selector = SeriesSelector(spec.select)
        let entries = discovery.candidates.map { candidate in
            JobStore.Entry(candidate: candidate, outcome: selector.select(candidate), fingerprint: InputFingerprint.of(files: candidate.files))
        }
        let modelHash = try InputFingerprint.model(spec)
        let plan = try store.reconcile(entries, modelHash: modelHash, now: clock())
        logger.info("run planned", metadata: ["series": "\(entries.count)", "to_run": "\(plan.toRun.count)",
                                              "up_to_date": "\(plan.upToDate.count)", "not_selected": "\(plan.skipped.count)"])
        return (plan, Set(entries.map(\.candidate.key)))
    }

    /// Summary and report over the jobs discovered this time.
    func finish(store: JobStore, keys: Set<String>, ran: Set<String>) throws(PipelineError) -> RunSummary {
        let current = try store.jobs().filter { keys.contains($0.inputKey) }
        var summary = RunSummary(discovered: keys.count)
        for job in current {
            switch job.state {
            case .done: if ran.contains(job.inputKey) { summary.completed += 1 } else { summary.upToDate += 1 }
            case .failed, .pending, .running:
                summary.failed += 1
                summary.failures.append(.init(key: job.inputKey, reason: job.error ?? "not finished"))
            case .skipped: summary.skipped += 1
            }
        }
        try RunReport(spec: spec, jobs: current).write(to: outputRoot)
        return summary
    }

    /// Processes jobs with `execution.concurrency` worker threads (model work is synchronous BLAS, so
    /// threads rather than tasks keep the cooperative pool free).
    func execute(_ jobs: [PipelineJob], store: JobStore) throws(PipelineError) {
        guard !jobs.isEmpty else { return }
        let progress = ProgressReporter(total: jobs.count, logger: logger, interactive: interactiveProgress ?? (isatty(STDERR_FILENO) != 0))
        let next = Mutex(0)
        let storeFailure = Mutex<PipelineError?>(nil)
        let group = DispatchGroup()
        let workers = min(spec.execution.concurrency, jobs.count)
        for _ in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while storeFailure.withLock({ $0 == nil }) && !shouldStop() {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < jobs.count else { return }
                    do {
                        try runJob(jobs[index], store: store, progress: progress)
                    } catch {
                        let failure = error as? PipelineError ?? .stateDatabase(path: store.path, reason: "\(error)")
                        storeFailure.withLock { $0 = failure }
                    }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        progress.close()
        if let error = storeFailure.withLock({ $0 }) { throw error }
    }

    /// All attempts of one job; throws only when the job table itself fails.
    func runJob(_ job: PipelineJob, store: JobStore, progress: ProgressReporter) throws(PipelineError) {
        guard let id = job.id else { return }
        let folder = outputRoot + "/" + job.outputFolder
        // The folder is emptied before each attempt, so it must be the job's own: no empty, "." or ".."
        // component could make it the output root or a parent of other jobs' folders.
        let components = job.outputFolder.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.isEmpty, !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            try store.markFailed(id, error: "unusable output folder name '\(job.outputFolder)'", final: true, now: clock(), duration: 0)
            progress.finished(key: job.inputKey, succeeded: false, detail: "unusable output folder name")
            return
        }
        let attempts = spec.execution.retries + 1
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.inputKey)"
        var lastError = ""
        // Complete outputs of an earlier attempt whose sending failed: later attempts only send.
        var processed = resumableOutputs(job)
        var sent = Set(job.sentList)
        for attempt in 1...attempts {
            let started = clock()
            try store.markRunning(id, now: started)
            let deadline = spec.execution.timeoutSeconds.map { started.addingTimeInterval($0) }
            do {
                let outputs: [String]
                if let processed {
                    outputs = processed
                } else {
                    // Each attempt starts from an empty folder: outputs of an earlier, interrupted or
                    // differently configured attempt never mix with this one's.
                    try? FileManager.default.removeItem(atPath: folder)
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    let context = JobContext(spec: spec, outputRoot: outputRoot, outputFolder: folder, inputFiles: job.inputFileList,
                                             attempt: job.attempts + attempt, deadline: deadline, logger: jobLogger, key: job.inputKey)
                    let result = try processor.process(job, context: context)
                    outputs = try result.outputs.map { output throws(PipelineError) -> String in
                        let absolute = output.hasPrefix("/") ? output : outputRoot + "/" + output
                        guard FileManager.default.fileExists(atPath: absolute) else { throw .missingOutput(key: job.inputKey, path: absolute) }
                        return absolute.hasPrefix(outputRoot + "/") ? String(absolute.dropFirst(outputRoot.count + 1)) : absolute
                    }
                    processed = outputs
                }
                if let send = spec.send {
                    let pending = outputs.filter { !sent.contains($0) }
                    let outcome = try DicomSender(stage: send).sendEach(files: pending.map(absolutePath), key: job.inputKey)
                    let delivered = pending.filter { outcome.stored.contains(absolutePath($0)) }
                    try store.markSent(id, files: delivered)
                    sent.formUnion(delivered)
                    if let failure = outcome.failure { throw PipelineError.processingFailed(key: job.inputKey, reason: failure) }
                }
                try store.markDone(id, outputs: outputs, now: clock(), duration: clock().timeIntervalSince(started))
                progress.finished(key: job.inputKey, succeeded: true)
                return
            } catch let error as PipelineError where Self.isStoreError(error) {
                throw error
            } catch {
                lastError = Self.reason(error)
                let final = attempt == attempts
                if final && processed == nil {
                    // A failed job keeps no half set of outputs that could pass for results.
                    try? FileManager.default.removeItem(atPath: folder)
                }
                try store.markFailed(id, error: lastError, final: final, now: clock(), duration: clock().timeIntervalSince(started),
                                     outputs: processed ?? [])
                if !final { jobLogger.warning("attempt failed, retrying", metadata: ["attempt": "\(attempt)", "reason": "\(lastError)"]) }
            }
        }
        progress.finished(key: job.inputKey, succeeded: false, detail: lastError)
    }

    /// An output path recorded relative to the output root, made absolute.
    func absolutePath(_ output: String) -> String {
        output.hasPrefix("/") ? output : outputRoot + "/" + output
    }

    /// The outputs a job kept from an attempt that processed it completely but failed to send them
    /// (the job table clears them when the input or model changes), when every file is still there.
    func resumableOutputs(_ job: PipelineJob) -> [String]? {
        let outputs = job.outputList
        guard job.state != .done, !outputs.isEmpty,
              outputs.allSatisfy({ FileManager.default.fileExists(atPath: absolutePath($0)) }) else { return nil }
        return outputs
    }

    static func isStoreError(_ error: PipelineError) -> Bool {
        if case .stateDatabase = error { return true }
        return false
    }

    static func reason(_ error: any Error) -> String {
        String(describing: error)
    }
}
