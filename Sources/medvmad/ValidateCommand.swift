import ArgumentParser
import Foundation
import Logging
import Pipeline

/// `medvmad validate FILE`: checks a pipeline file before any study is read.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate",
        abstract: "Check a pipeline file: keys, types, values, model folder, combinations (file:line:column for each problem).")

    @Argument(help: "Pipeline file (YAML).") var file: String
    @Flag(help: "Treat warnings as errors.") var strict = false

    func run() throws {
        let result = PipelineLoader.load(path: file)
        for diagnostic in result.diagnostics { print(diagnostic) }
        if !result.errors.isEmpty || (strict && !result.warnings.isEmpty) {
            print("\(file): \(result.errors.count) error(s), \(result.warnings.count) warning(s)")
            throw ExitCode(PipelineCommandSupport.invalidPipelineExit)
        }
        print("\(file): valid\(result.warnings.isEmpty ? "" : " with \(result.warnings.count) warning(s)")")
    }
}

/// What the pipeline commands share: exit codes, logging, loading.
enum PipelineCommandSupport {
    /// Exit status when a pipeline file has errors.
    static let invalidPipelineExit: Int32 = 2
    /// Exit status when some jobs failed.
    static let jobsFailedExit: Int32 = 3
    /// Exit status when jobs are still pending or running (status only).
    static let jobsUnfinishedExit: Int32 = 4
    /// Exit status when another run holds the output folder.
    static let outputLockedExit: Int32 = 5

    /// Loads and checks a pipeline, printing problems; exits 2 when it has errors.
    static func load(_ file: String) throws -> PipelineSpec {
        let result = PipelineLoader.load(path: file)
        for diagnostic in result.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
        guard let spec = result.spec, result.errors.isEmpty else { throw ExitCode(invalidPipelineExit) }
        return spec
    }

    /// Logs go to stderr; the pipeline never puts patient data into them.
    static func logger(_ label: String, verbose: Bool = false) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .info
        return logger
    }

    /// Prints a pipeline error and returns the exit code it maps to.
    static func exitCode(for error: PipelineError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        switch error {
        case .invalidPipeline: return ExitCode(invalidPipelineExit)
        case .outputLocked: return ExitCode(outputLockedExit)
        default: return .failure
        }
    }
}
