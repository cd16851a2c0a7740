import ArgumentParser
import Foundation
import Logging
import Pipeline
import ServiceLifecycle

/// `medvmad watch FILE`: a long-running service over the pipeline's inbox.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch",
        abstract: "Watch the pipeline's inbox and process each study once no file in it has changed for ingest.settle_seconds; stops cleanly on SIGTERM/SIGINT.")

    @Argument(help: "Pipeline file (YAML) with ingest.inbox.") var file: String
    @Option(help: "Output folder; replaces 'output:'.") var output: String?
    @Option(help: "Seconds between inbox polls.") var interval: Double = 5

    func run() throws {
        let spec = try PipelineCommandSupport.load(file)
        guard let folder = output.map({ URL(fileURLWithPath: $0).path }) ?? spec.output else {
            throw ValidationError("no output folder: set 'output:' in the pipeline or pass --output")
        }
        Terminal.configureThreads(spec.execution.blasThreads)
        let logger = PipelineCommandSupport.logger("medvmad.watch")
        let watcher: InboxWatcher
        do {
            watcher = try InboxWatcher(spec: spec, outputRoot: folder, processor: MedVMADSeriesProcessor(spec: spec), logger: logger,
                                       pollInterval: interval)
        } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
        let group = ServiceGroup(configuration: .init(services: [watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // The root command is synchronous; the service group runs on a task while this thread waits.
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await group.run() } catch { failure.set("\(error)") }
            done.signal()
        }
        done.wait()
        if let message = failure.message {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Carries an error message out of the service task.
final class FailureBox: @unchecked Sendable {
    // @unchecked: written once by the task before it signals, read after the wait.
    private(set) var message: String?
    func set(_ text: String) { message = text }
}
