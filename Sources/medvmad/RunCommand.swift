import ArgumentParser
import Foundation
import Pipeline

/// `medvmad run FILE`: one batch over the input folders.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run a pipeline: discover series, select, process what is not done yet, write the report.",
        discussion: "Re-running skips series already done with unchanged input and model. Exit status: 0 all selected series done, 3 some failed, 2 invalid pipeline, 5 output folder in use.")

    @Argument(help: "Pipeline file (YAML).") var file: String
    @Option(name: .customLong("input"), help: "Input folder (repeatable); replaces ingest.folders.") var inputs: [String] = []
    @Option(help: "Output folder; replaces 'output:'.") var output: String?
    @Option(help: "local or slurm; replaces execution.executor.") var executor: String?
    @Flag(help: "Debug logging.") var verbose = false
    @Option(help: .hidden) var worker: Int64?

    func run() throws {
        var spec = try PipelineCommandSupport.load(file)
        if let executor {
            guard let choice = ExecutionSettings.Executor(rawValue: executor) else {
                throw ValidationError("--executor must be local or slurm")
            }
            spec.execution.executor = choice
        }
        Terminal.configureThreads(spec.execution.blasThreads)
        let logger = PipelineCommandSupport.logger("medvmad.run", verbose: verbose)
        let summary: RunSummary
        do {
            let processor = MedVMADSeriesProcessor(spec: spec)
            var runner = try PipelineRunner(spec: spec, inputFolders: inputs.isEmpty ? nil : inputs.map { URL(fileURLWithPath: $0).path },
                                            outputRoot: output, processor: processor, logger: logger)
            if let worker {
                // One task of a Slurm array: serve the coordinating run, then stop.
                let count = try runner.runWorker(runID: worker)
                print("worker for run \(worker): \(count) job(s) processed")
                return
            }
            runner.workerCommand = [Self.executablePath, "run", spec.path, "--output", runner.outputRoot]
            summary = try runner.run()
        } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
        print(summary.line)
        for failure in summary.failures { print("failed: \(failure.key): \(failure.reason)") }
        if summary.failed > 0 { throw ExitCode(PipelineCommandSupport.jobsFailedExit) }
    }

    /// This binary, absolute, for the Slurm workers to call.
    static var executablePath: String {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if link != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: link) { return link }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
