import Foundation
import Logging
import Synchronization
import Testing
@testable import Pipeline

/// A processor that writes the input's size, fails for keys containing "bad", and counts calls.
struct CountingProcessor: SeriesProcessor {
    let calls = CallLog()

    func process(_ job: PipelineJob, context: JobContext) throws -> JobResult {
        calls.record(job.inputKey)
        if job.inputKey.contains("bad") { throw PipelineError.processingFailed(key: job.inputKey, reason: "refused on purpose") }
        let size = try Data(contentsOf: URL(fileURLWithPath: context.inputFiles[0])).count
        return JobResult(outputs: [try context.write(Data("\(size)".utf8), named: "size.txt")])
    }
}

final class CallLog: Sendable {
    private let keys = Mutex<[String]>([])
    func record(_ key: String) { keys.withLock { $0.append(key) } }
    var all: [String] { keys.withLock { $0 } }
}

@Suite final class PipelineRunnerTests {
    let root: String
    let input: String
    let output: String
    let model: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("runner")
        input = root + "/in"
        output = root + "/out"
        model = root + "/model"
        try PipelineTestSupport.makeStandInModel(at: model)
        for (i, name) in ["a", "b", "bad", "c"].enumerated() {
            try PipelineTestSupport.writeVolume("\(input)/\(name).nii.gz", seed: Float(i * 100))
        }
        // Too few slices for the rule below: must be recorded as not selected, not processed.
        try PipelineTestSupport.writeVolume("\(input)/thin.nii.gz", size: [6, 5, 1], seed: 7)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func spec(retries: Int = 0, concurrency: Int = 2) throws -> PipelineSpec {
        let yaml = PipelineTestSupport.pipelineYAML(input: input, output: output, model: model, concurrency: concurrency, retries: retries,
                                                    rule: "min_slices: 2")
        return try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
    }

    func run(_ processor: CountingProcessor, retries: Int = 0) throws -> RunSummary {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try PipelineRunner(spec: spec(retries: retries), processor: processor, logger: logger, interactiveProgress: false).run()
    }

    @Test func oneBadSeriesDoesNotStopTheBatchAndRerunsSkipDoneJobs() throws {
        let first = CountingProcessor()
        let summary = try run(first)
        #expect(summary == RunSummary(discovered: 5, completed: 3, upToDate: 0, failed: 1, skipped: 1,
                                      failures: [.init(key: "nifti/bad.nii.gz", reason: "nifti/bad.nii.gz: refused on purpose")]))
        let jobs = try JobStore(outputFolder: output).jobs()
        let byKey = Dictionary(uniqueKeysWithValues: jobs.map { ($0.inputKey, $0) })
        #expect(byKey["nifti/thin.nii.gz"]?.state == .skipped)
        #expect(byKey["nifti/thin.nii.gz"]?.error?.contains("1 slices, fewer than 2") == true)
        #expect(byKey["nifti/bad.nii.gz"]?.state == .failed)
        for name in ["a", "b", "c"] {
            let job = try #require(byKey["nifti/\(name).nii.gz"])
            #expect(job.state == .done && job.attempts == 1)
            #expect(job.outputList == ["nifti/\(name)/size.txt"])
            // The written size is the input's, measured here independently.
            let size = try FileManager.default.attributesOfItem(atPath: "\(input)/\(name).nii.gz")[.size] as! NSNumber
            #expect(try String(contentsOfFile: "\(output)/nifti/\(name)/size.txt", encoding: .utf8) == "\(size.intValue)")
        }
        #expect(FileManager.default.fileExists(atPath: output + "/report.json"))

        // Second run: only the failed job is redone.
        let second = CountingProcessor()
        let again = try run(second)
        #expect(second.calls.all == ["nifti/bad.nii.gz"])
        #expect(again.upToDate == 3 && again.failed == 1 && again.completed == 0)

        // A changed input (new mtime and size) is redone; a changed model redoes everything selected.
        try PipelineTestSupport.writeVolume("\(input)/a.nii.gz", size: [6, 5, 3], seed: 1)
        let third = CountingProcessor()
        _ = try run(third)
        #expect(Set(third.calls.all) == ["nifti/a.nii.gz", "nifti/bad.nii.gz"])
        try PipelineTestSupport.makeStandInModel(at: model, content: "retrained")
        let fourth = CountingProcessor()
        _ = try run(fourth)
        #expect(Set(fourth.calls.all) == ["nifti/a.nii.gz", "nifti/b.nii.gz", "nifti/bad.nii.gz", "nifti/c.nii.gz"])
    }

    @Test func retriesAreCountedAndTheLastErrorKept() throws {
        let processor = CountingProcessor()
        _ = try run(processor, retries: 2)
        #expect(processor.calls.all.filter { $0 == "nifti/bad.nii.gz" }.count == 3)
        let bad = try #require(try JobStore(outputFolder: output).jobs().first { $0.inputKey == "nifti/bad.nii.gz" })
        #expect(bad.state == .failed && bad.attempts == 3 && bad.error?.contains("refused on purpose") == true)
    }

    @Test func aSecondRunOnTheSameOutputIsRefusedWithThePID() throws {
        let lock = try OutputLock(folder: output)
        defer { lock.release() }
        #expect(throws: PipelineError.outputLocked(folder: output, holderPID: getpid())) {
            try run(CountingProcessor())
        }
    }

    @Test func atomicWritesLeaveNoTemporaryFiles() throws {
        let target = root + "/x/y.txt"
        try AtomicOutput.write(Data("one".utf8), to: target)
        try AtomicOutput.write(Data("two".utf8), to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/x") == ["y.txt"])
        // A leftover from a killed writer is removed before a job is redone.
        try Data("half".utf8).write(to: URL(fileURLWithPath: root + "/x/\(AtomicOutput.temporaryPrefix)123-y.txt"))
        AtomicOutput.removeLeftovers(in: root + "/x")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/x") == ["y.txt"])
    }
}
