import Foundation

/// `execution.executor: slurm`: the coordinating run (holding the output folder's lock) submits one
/// `sbatch --array` of workers over the same output folder, follows it until no task is left, then
/// fails whatever a dead worker left claimed. Workers claim pending jobs from the job table one at a
/// time, so sharding is dynamic: a slow series does not hold up a fixed shard.
struct SlurmExecutor {
    let runner: PipelineRunner
    let runID: Int64
    /// Seconds between polls of squeue.
    var pollInterval: Double = 2

    var folder: String { runner.outputRoot + "/slurm" }

    /// The batch script each array task runs.
    func script() -> String {
        let command = (runner.workerCommand + ["--worker", String(runID)]).map(ScheduleUnits.quote).joined(separator: " ")
        return """
        #!/bin/sh
        # Written by medvmad run for run \(runID) of \(runner.spec.name); one claiming worker per array task.
        export OPENBLAS_NUM_THREADS=\(runner.spec.execution.blasThreads)
        exec \(command)

        """
    }

    /// sbatch arguments for `workers` tasks.
    func sbatchArguments(workers: Int) -> [String] {
        var arguments = ["--parsable", "--job-name=medvmad-\(runner.spec.name)", "--array=0-\(workers - 1)",
                         "--cpus-per-task=\(runner.spec.execution.blasThreads)", "--output=\(folder)/worker-%A_%a.log"]
        if let limit = runner.spec.execution.timeoutSeconds {
            // Slurm's limit covers a whole worker, which may take several series in turn.
            let minutes = Int((limit * Double(runner.spec.execution.retries + 1) / 60).rounded(.up)) + 1
            arguments.append("--time=\(minutes)")
        }
        return arguments + [folder + "/worker.sh"]
    }

    func execute(_ jobs: [PipelineJob], store: JobStore) throws(PipelineError) {
        guard !jobs.isEmpty else { return }
        guard !runner.workerCommand.isEmpty else {
            throw .executorUnavailable(name: "slurm", reason: "no worker command configured")
        }
        let workers = min(runner.spec.execution.concurrency, jobs.count)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicOutput.write(Data(script().utf8), to: folder + "/worker.sh")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/worker.sh")
        } catch {
            throw .executorUnavailable(name: "slurm", reason: "cannot write \(folder)/worker.sh: \(error)")
        }
        let submitted = try Self.command("sbatch", sbatchArguments(workers: workers))
        let jobID = submitted.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !jobID.isEmpty, jobID.allSatisfy(\.isNumber) else {
            throw .executorUnavailable(name: "slurm", reason: "sbatch answered '\(submitted)' instead of a job id")
        }
        runner.logger.info("slurm array submitted", metadata: ["slurm_job": "\(jobID)", "workers": "\(workers)", "jobs": "\(jobs.count)"])
        let progress = ProgressReporter(total: jobs.count, logger: runner.logger)
        var reported = Set<String>()
        while true {
            Thread.sleep(forTimeInterval: pollInterval)
            let ids = Set(jobs.map(\.inputKey))
            for job in try store.jobs() where ids.contains(job.inputKey) && !reported.contains(job.inputKey) {
                guard job.state == .done || job.state == .failed else { continue }
                reported.insert(job.inputKey)
                progress.finished(key: job.inputKey, succeeded: job.state == .done, detail: job.error)
            }
            let queued = (try? Self.command("squeue", ["-h", "-j", jobID, "-o", "%i"])) ?? ""
            if queued.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
        }
        progress.close()
        let abandoned = try store.failAbandoned(reason: "worker ended without finishing (see \(folder)/worker-\(jobID)_*.log)", now: runner.clock())
        if abandoned > 0 { runner.logger.error("jobs left by dead workers", metadata: ["count": "\(abandoned)"]) }
    }

    /// Runs a Slurm client command and returns its standard output.
    static func command(_ name: String, _ arguments: [String]) throws(PipelineError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw .executorUnavailable(name: "slurm", reason: "cannot run \(name): \(error)") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .executorUnavailable(name: "slurm", reason: "\(name) failed (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }
}
