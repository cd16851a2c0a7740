import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `watch`: a long-lived service that polls the pipeline's inbox and runs the pipeline on every study
/// (a top-level folder or file) once it is complete, meaning no file in it was added or changed for
/// `ingest.settle_seconds`. A study is run again when its files change (the job table skips series
/// already done), and tried again at the next poll when another run held the output folder.
/// Stops between jobs on graceful shutdown (SIGTERM/SIGINT via ServiceGroup).
public struct InboxWatcher: Service {
    public var spec: PipelineSpec
    public var inbox: String
    public var outputRoot: String
    public var processor: any SeriesProcessor
    public var logger: Logger
    /// Seconds between polls.
    public var pollInterval: Double

    public init(spec: PipelineSpec, outputRoot: String, processor: any SeriesProcessor, logger: Logger, pollInterval: Double = 5) throws(PipelineError) {
        guard let inbox = spec.ingest.inbox else {
            throw .invalidPipeline(path: spec.path, diagnostics: [PipelineDiagnostic(.error, "ingest: 'inbox' is needed for watch", at: nil)])
        }
        self.spec = spec
        self.inbox = inbox
        self.outputRoot = outputRoot
        self.processor = processor
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// A study in the inbox and its state.
    public struct Arrival: Sendable, Equatable {
        public var path: String
        /// Newest modification time of any file in it.
        public var lastChange: Date
        public var fingerprint: String
    }

    /// Top-level entries of the inbox with their newest change.
    public func arrivals() -> [Arrival] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: inbox) else { return [] }
        var result: [Arrival] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = inbox + "/" + name
            var files: [String] = []
            var isFolder: ObjCBool = false
            _ = fm.fileExists(atPath: path, isDirectory: &isFolder)
            if isFolder.boolValue {
                for case let relative as String in fm.enumerator(atPath: path) ?? FileManager.DirectoryEnumerator() {
                    var sub: ObjCBool = false
                    if fm.fileExists(atPath: path + "/" + relative, isDirectory: &sub), !sub.boolValue { files.append(path + "/" + relative) }
                }
            } else {
                files = [path]
            }
            let newest = files.compactMap { (try? fm.attributesOfItem(atPath: $0))?[.modificationDate] as? Date }.max() ?? .distantPast
            result.append(Arrival(path: path, lastChange: newest, fingerprint: InputFingerprint.of(files: files)))
        }
        return result
    }

    public func run() async throws {
        let stop = StopFlag()
        var processed: [String: String] = [:]
        logger.info("watching inbox", metadata: ["settle_s": "\(spec.ingest.settleSeconds)"])
        await withGracefulShutdownHandler {
            while !stop.isSet {
                let now = Date()
                for arrival in arrivals() where processed[arrival.path] != arrival.fingerprint {
                    guard now.timeIntervalSince(arrival.lastChange) >= spec.ingest.settleSeconds else { continue }
                    guard !stop.isSet else { break }
                    guard let summary = await runBatch(on: arrival.path, stop: stop) else { continue }
                    processed[arrival.path] = arrival.fingerprint
                    logger.info("study processed", metadata: ["summary": "\(summary)"])
                }
                try? await Task.sleep(for: .seconds(pollInterval))
            }
        } onGracefulShutdown: {
            stop.set()
        }
        logger.info("watch stopped")
    }

    /// Runs the pipeline on one study on its own thread (model work blocks); nil when the output
    /// folder was busy and the study should be tried again.
    func runBatch(on path: String, stop: StopFlag) async -> String? {
        let spec = spec, outputRoot = outputRoot, processor = processor, logger = logger
        return await withCheckedContinuation { continuation in
            Thread {
                do {
                    var runner = try PipelineRunner(spec: spec, inputFolders: [path], outputRoot: outputRoot, processor: processor,
                                                    logger: logger, interactiveProgress: false)
                    runner.shouldStop = { stop.isSet }
                    runner.discoveryBase = spec.ingest.inbox
                    continuation.resume(returning: try runner.run().line)
                } catch PipelineError.outputLocked(_, let pid) {
                    logger.notice("output folder busy; will retry", metadata: ["holder_pid": "\(pid.map(String.init) ?? "?")"])
                    continuation.resume(returning: nil)
                } catch {
                    logger.error("study failed", metadata: ["reason": "\(error)"])
                    continuation.resume(returning: "failed: \(error)")
                }
            }.start()
        }
    }
}

/// A stop request shared between the service and the runner's worker threads.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
