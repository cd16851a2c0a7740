// A test-only runner for the kill-safety test: runs a pipeline file with a trivial processor that
// writes two outputs per job through the engine's atomic helpers, slowly enough to be killed mid-batch.
//
// Usage: pipeline-kill-harness PIPELINE.yaml [DELAY_MS] [--worker RUN_ID] [--real] [--max-file-bytes N]
// With `executor: slurm` in the pipeline the harness coordinates a Slurm array of itself as workers.
// `--real` runs the MedVMAD processor of `medvmad run` instead of the slow copier.
// `--max-file-bytes N` limits every file this process writes to N bytes (RLIMIT_FSIZE, as `ulimit -f`
// does) with SIGXFSZ ignored, so a write past the limit fails with EFBIG like on a full disk.
// Exit: 0 all done, 3 some failed, 1 run-level error (message on stderr).
import Foundation
import Logging
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

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
/// Removes `--name VALUE` from the arguments; returns VALUE.
@MainActor func option(_ name: String) -> String? {
    guard let flag = arguments.firstIndex(of: name), flag + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(flag...(flag + 1)) }
    return arguments[flag + 1]
}
let real = arguments.contains("--real")
arguments.removeAll { $0 == "--real" }
if let limit = option("--max-file-bytes").flatMap(UInt64.init) {
    signal(SIGXFSZ, SIG_IGN)
    var bound = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
    guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bound) == 0 else {
        FileHandle.standardError.write(Data("error: setrlimit failed\n".utf8))
        exit(1)
    }
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
    let processor: any SeriesProcessor = real ? MedVMADSeriesProcessor(spec: spec) : SlowCopyProcessor(delay: delay)
    var runner = try PipelineRunner(spec: spec, processor: processor, logger: logger, interactiveProgress: false)
    if let workerOf {
        print("worker: \(try runner.runWorker(runID: workerOf)) job(s)")
        exit(0)
    }
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    runner.workerCommand = [executable, URL(fileURLWithPath: arguments[1]).standardizedFileURL.path, "\(Int(delay * 1000))"] + (real ? ["--real"] : [])
    let summary = try runner.run()
    print(summary.line)
    exit(summary.failed > 0 ? 3 : 0)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
