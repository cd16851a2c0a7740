import Foundation
import Testing
@testable import Pipeline

/// Kill-safety: the real engine in a child process (`pipeline-kill-harness`), SIGKILLed at random
/// points and resumed, must end with every output present exactly once and a consistent job table.
@Suite struct PipelineKillTests {
    /// The harness binary next to the test bundle (`swift build --build-tests` builds it).
    static var harness: String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.path.hasSuffix(".xctest/Contents/MacOS") { folder = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        let candidates = [folder.appendingPathComponent("pipeline-kill-harness").path,
                          PipelineTestSupport.repositoryRoot + "/.build/debug/pipeline-kill-harness"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    func start(_ pipeline: String, delayMS: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.harness)
        process.arguments = [pipeline, "\(delayMS)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func killedRunsResumeToExactlyOneCopyOfEveryOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.harness), "build the harness first: swift build --build-tests")
        let root = try PipelineTestSupport.temporaryFolder("kill")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = root + "/model"
        try PipelineTestSupport.makeStandInModel(at: model)
        let names = (0..<12).map { String(format: "v%02d", $0) }
        for (i, name) in names.enumerated() {
            try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(i))
        }
        let pipeline = root + "/p.yaml"
        try PipelineTestSupport.pipelineYAML(input: root + "/in", output: root + "/out", model: model, concurrency: 2)
            .write(toFile: pipeline, atomically: true, encoding: .utf8)

        // 12 jobs × 80 ms on 2 workers take ≥ 0.48 s; the first kill at ≤ 0.4 s always lands mid-batch.
        var generator = SystemRandomNumberGenerator()
        var unfinishedAfterKill = 0
        for round in 0..<5 {
            let process = try start(pipeline, delayMS: 80)
            let wait = round == 0 ? Double.random(in: 0.1...0.4, using: &generator) : Double.random(in: 0.05...0.5, using: &generator)
            Thread.sleep(forTimeInterval: wait)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: root + "/out/state.sqlite") {
                let jobs = try JobStore(outputFolder: root + "/out").jobs()
                if jobs.filter({ $0.state == .done }).count < names.count { unfinishedAfterKill += 1 }
            } else {
                unfinishedAfterKill += 1
            }
        }
        #expect(unfinishedAfterKill >= 1)

        let final = try start(pipeline, delayMS: 5)
        final.waitUntilExit()
        #expect(final.terminationStatus == 0)

        let jobs = try JobStore(outputFolder: root + "/out").jobs()
        #expect(jobs.count == names.count)
        for name in names {
            let job = try #require(jobs.first { $0.inputKey == "nifti/\(name).nii.gz" })
            #expect(job.state == .done && job.attempts >= 1 && job.error == nil)
            #expect(Set(job.outputList) == ["nifti/\(name)/size.txt", "nifti/\(name)/copy.bin"])
            let folder = root + "/out/nifti/" + name
            // Exactly the two outputs, no temporary leftovers, and their contents are right.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["copy.bin", "size.txt"])
            let input = try Data(contentsOf: URL(fileURLWithPath: "\(root)/in/\(name).nii.gz"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/copy.bin")) == input)
            #expect(try String(contentsOfFile: folder + "/size.txt", encoding: .utf8) == "\(input.count)\n")
        }
        let stray = FileManager.default.enumerator(atPath: root + "/out")?.compactMap { $0 as? String }
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(AtomicOutput.temporaryPrefix) } ?? []
        #expect(stray.isEmpty, "temporary files left: \(stray)")
        // Nothing is claimed by a dead run after the final one.
        #expect(!jobs.contains { $0.state == .running || $0.state == .pending })
    }

    @Test func aRunningHarnessLocksOutTheOutputFolderAndNamesItsPID() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.harness), "build the harness first: swift build --build-tests")
        let root = try PipelineTestSupport.temporaryFolder("lock")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        for i in 0..<3 { try PipelineTestSupport.writeVolume("\(root)/in/v\(i).nii.gz", seed: Float(i)) }
        let pipeline = root + "/p.yaml"
        try PipelineTestSupport.pipelineYAML(input: root + "/in", output: root + "/out", model: root + "/model")
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let process = try start(pipeline, delayMS: 2000)
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Wait until the child holds the lock (its pid is in the lock file).
        var holder: Int32?
        for _ in 0..<100 where holder != process.processIdentifier {
            Thread.sleep(forTimeInterval: 0.02)
            holder = (try? String(contentsOfFile: root + "/out/.lock", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(throws: PipelineError.outputLocked(folder: root + "/out", holderPID: process.processIdentifier)) {
            _ = try OutputLock(folder: root + "/out")
        }
    }
}
