import ArgumentParser
import Foundation
import Pipeline

/// `medvmad status OUTPUT_DIR`: the job table of an output folder.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status",
        abstract: "List the jobs of an output folder and their states.",
        discussion: "Exit status: 0 when every selected series is done, 3 when some failed, 4 when some are pending or running.")

    @Argument(help: "Output folder of a run (holds state.sqlite).") var output: String
    @Flag(help: "Print only failed jobs.") var failed = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: output + "/state.sqlite") else {
            FileHandle.standardError.write(Data("error: \(output) has no state.sqlite (no run has used it)\n".utf8))
            throw ExitCode.failure
        }
        let jobs: [PipelineJob]
        do { jobs = try JobStore(outputFolder: output).jobs() } catch { throw PipelineCommandSupport.exitCode(for: error) }
        let shown = failed ? jobs.filter { $0.state == .failed } : jobs
        if json {
            let rows = shown.map { job -> [String: String] in
                ["key": job.inputKey, "state": job.state.rawValue, "attempts": "\(job.attempts)", "rule": job.rule ?? "",
                 "error": job.error ?? "", "outputs": job.outputs]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for job in shown {
                var line = "\(job.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(job.inputKey)"
                if job.attempts > 0 { line += "  attempts \(job.attempts)" }
                if let d = job.duration, job.state == .done { line += String(format: "  %.1f s", d) }
                if let e = job.error, job.state != .done { line += "  — \(e)" }
                print(line)
            }
        }
        var counts: [JobState: Int] = [:]
        for job in jobs { counts[job.state, default: 0] += 1 }
        let summary = JobState.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        FileHandle.standardError.write(Data("\(jobs.count) jobs: \(summary)\n".utf8))
        if (counts[.failed] ?? 0) > 0 { throw ExitCode(PipelineCommandSupport.jobsFailedExit) }
        if (counts[.pending] ?? 0) + (counts[.running] ?? 0) > 0 { throw ExitCode(PipelineCommandSupport.jobsUnfinishedExit) }
    }
}
