import Foundation
import Testing
@testable import Pipeline

/// The Slurm executor against a real cluster: opt-in, enabled when `SLURM_CONF` names a running
/// one (start it with Tests/PipelineTests/slurm-loopback.sh).
@Suite(.enabled(if: SlurmCluster.available, "needs a running Slurm cluster (SLURM_CONF)"))
struct SlurmExecutorTests {
    @Test func anArrayOfWorkersFinishesEveryJobOnce() throws {
        let root = try PipelineTestSupport.temporaryFolder("slurm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        let names = (0..<6).map { "v\($0)" }
        for (i, name) in names.enumerated() { try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(i)) }
        let pipeline = root + "/p.yaml"
        try (PipelineTestSupport.pipelineYAML(input: root + "/in", output: root + "/out", model: root + "/model", concurrency: 2)
            + "\n  executor: slurm\n").write(toFile: pipeline, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PipelineKillTests.harness)
        process.arguments = [pipeline, "20"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let jobs = try JobStore(outputFolder: root + "/out").jobs()
        #expect(jobs.count == names.count && jobs.allSatisfy { $0.state == .done && $0.attempts == 1 })
        for name in names {
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/out/nifti/\(name)").sorted() == ["copy.bin", "size.txt"])
        }
        let logs = try FileManager.default.contentsOfDirectory(atPath: root + "/out/slurm").filter { $0.hasPrefix("worker-") }
        #expect(logs.count == 2)
    }
}

enum SlurmCluster {
    static var available: Bool {
        guard ProcessInfo.processInfo.environment["SLURM_CONF"] != nil else { return false }
        return (try? SlurmExecutor.command("sinfo", ["-h"])) != nil
    }
}
