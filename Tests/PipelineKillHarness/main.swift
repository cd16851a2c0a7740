// A test-only runner for the kill-safety test: runs a pipeline file with a trivial processor that
// writes two outputs per job through the engine's atomic helpers, slowly enough to be killed mid-batch.
//
// Usage: pipeline-kill-harness PIPELINE.yaml [DELAY_MS] [--worker RUN_ID]
// With `executor: slurm` in the pipeline the harness coordinates a Slurm array of itself as workers.
// Exit: 0 all done, 3 some failed, 1 run-level error (message on stderr).
import Foundation
import Logging
import Pipeline

/// Writes the input's byte count and a copy of the input, pausing in between.
struct SlowCopyProcessor: SeriesProcessor {
    let delay: Double

    func process(_ job: PipelineJob, context: JobContext) throws -> JobResult {
        let input = try Data(contentsOf: URL(fileURLWithPath: context.inputFiles[0]))
        let first = try context.write(Data("\(input.count)\n".utf8), named: "size.txt")
        Thread.sleep(forTimeInterval: delay)
        let second = try context.write(input, named: "copy.bin")
        return JobResult(outputs: [first, second])
    }
}

var arguments = CommandLine.arguments
var workerOf: Int64?
if let flag = arguments.firstIndex(of: "--worker"), flag + 1 < arguments.count {
    workerOf = Int64(arguments[flag + 1])
    arguments.removeSubrange(flag...(flag + 1))
}
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: pipeline-kill-harness PIPELINE.yaml [DELAY_MS]\n".utf8))
    exit(1)
}
let delay = (arguments.count > 2 ? Double(arguments[2]) ?? 50 : 50) / 1000
var logger = Logger(label: "kill-harness") { StreamLogHandler.standardError(label: $0) }
logger.logLevel = .warning
do {
    let spec = try PipelineLoader.load(path: arguments[1]).get()
    var runner = try PipelineRunner(spec: spec, processor: SlowCopyProcessor(delay: delay), logger: logger, interactiveProgress: false)
    if let workerOf {
        print("worker: \(try runner.runWorker(runID: workerOf)) job(s)")
        exit(0)
    }
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    runner.workerCommand = [executable, URL(fileURLWithPath: arguments[1]).standardizedFileURL.path, "\(Int(delay * 1000))"]
    let summary = try runner.run()
    print(summary.line)
    exit(summary.failed > 0 ? 3 : 0)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
