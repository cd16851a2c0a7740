import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import Pipeline

@Suite struct InboxWatcherTests {
    /// A settled study is processed once; a study still receiving files waits; shutdown ends the service.
    @Test func settledStudiesAreProcessedAndShutdownIsClean() async throws {
        let root = try PipelineTestSupport.temporaryFolder("watch")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        // Two studies with the same file name: keys must stay apart.
        for study in ["s1", "s2"] { try PipelineTestSupport.writeVolume("\(root)/inbox/\(study)/t1.nii.gz", seed: 1) }
        let old = Date().addingTimeInterval(-600)
        for study in ["s1", "s2"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: "\(root)/inbox/\(study)/t1.nii.gz")
        }
        // A study whose file just arrived is not complete yet.
        try PipelineTestSupport.writeVolume("\(root)/inbox/s3/t1.nii.gz", seed: 3)
        let yaml = PipelineTestSupport.pipelineYAML(input: root + "/unused", output: root + "/out", model: root + "/model")
            .replacingOccurrences(of: "  folders: [\(root)/unused]", with: "  inbox: \(root)/inbox\n  settle_seconds: 300")
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let processor = CountingProcessor()
        let watcher = try InboxWatcher(spec: spec, outputRoot: root + "/out", processor: processor, logger: logger, pollInterval: 0.05)
        let group = ServiceGroup(configuration: .init(services: [watcher], logger: logger))
        let running = Task { try await group.run() }
        for _ in 0..<200 where processor.calls.all.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(200))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(processor.calls.all.sorted() == ["nifti/s1/t1.nii.gz", "nifti/s2/t1.nii.gz"])
        #expect(FileManager.default.fileExists(atPath: root + "/out/nifti/s1/t1/size.txt"))
        #expect(!FileManager.default.fileExists(atPath: root + "/out/nifti/s3"))
    }
}
