import Foundation
import Logging
import MedIO
import Raster
import Testing
@testable import Pipeline

/// Crash safety of the real engine and processor in a child process: SIGKILLed at random points many
/// times over one batch and resumed, the output must equal an uninterrupted run's, file for file.
@Suite(.serialized) final class CrashSafetyTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("crash")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Engine bookkeeping at the output root, which differs between runs by design.
    static let bookkeeping: Set<String> = ["state.sqlite", ".lock", "report.json", "report.csv", "report.html",
                                           "state.sqlite-journal", "state.sqlite-wal", "state.sqlite-shm"]

    /// A batch of NIfTI volumes and single-slice DICOM series (new UIDs per copy) with the tiny test model.
    func makeBatch() throws -> (pipeline: String, inputs: [String]) {
        try MedVMADSeriesProcessorTests.makeModel(at: root + "/model")
        var inputs: [String] = []
        for i in 0..<3 {
            let path = root + "/in/vol\(i).nii.gz"
            try PipelineTestSupport.writeVolume(path, size: [20, 16, 3], seed: Float(i * 37))
            inputs.append(path)
        }
        if FaultTestSupport.hasDcmodify {
            for (i, sample) in ["CT_small.dcm", "MR_small.dcm"].enumerated() {
                let path = root + "/in/dicom/s\(i).dcm"
                try FaultTestSupport.dicomCopy(of: sample, to: path, newUIDs: true)
                inputs.append(path)
            }
        }
        let pipeline = root + "/p.yaml"
        try FaultTestSupport.pipeline(at: pipeline, input: root + "/in", output: root + "/out", model: root + "/model",
                                      outputs: "[nifti, seg]", concurrency: 2)
        return (pipeline, inputs)
    }

    /// The seed of the kill schedule: `MEDVMAD_KILL_SEED` replays one.
    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["MEDVMAD_KILL_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
    }

    /// What a kill loop did.
    struct KillRecord {
        var runs = 0, kills = 0, completed = 0
        var delays: [Int] = []
    }

    /// Starts `command` again and again, SIGKILLing each run after a random delay in `0...maximumDelay`,
    /// until `targetKills` kills landed or `budget` seconds passed. When a run gets to the end before its
    /// kill, two inputs are touched (same content, new time) so the next run has work again and kills keep
    /// landing inside jobs.
    func killLoop(_ command: [String], inputs: [String], maximumDelay: Double, targetKills: Int, budget: Double,
                  random: inout SplitMix64) throws -> KillRecord {
        let logs = root + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var record = KillRecord()
        let start = Date()
        while record.kills < targetKills && Date().timeIntervalSince(start) < budget {
            let delay = Double.random(in: 0...maximumDelay, using: &random)
            record.delays.append(Int(delay * 1000))
            let (process, _, _) = try FaultTestSupport.start(command, logFolder: logs, label: "run\(record.runs)")
            record.runs += 1
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                record.kills += 1
            } else {
                #expect(process.terminationStatus == 0, "run \(record.runs) ended with \(process.terminationStatus); see \(logs)/run\(record.runs - 1).err")
                record.completed += 1
                for _ in 0..<2 {
                    let input = inputs[Int.random(in: 0..<inputs.count, using: &random)]
                    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(Double(record.runs))], ofItemAtPath: input)
                }
            }
        }
        return record
    }

    /// The engine with the slow copier: many kills over a batch of 16 volumes (two outputs each).
    @Test func randomKillsOfTheEngineResumeToExactlyOneCopyOfEveryOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: FaultTestSupport.harness), "build the harness first: swift build --build-tests")
        let names = (0..<16).map { String(format: "v%02d", $0) }
        var inputs: [String] = []
        for (i, name) in names.enumerated() {
            try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(i))
            inputs.append("\(root)/in/\(name).nii.gz")
        }
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        let pipeline = root + "/p.yaml"
        try PipelineTestSupport.pipelineYAML(input: root + "/in", output: root + "/out", model: root + "/model", concurrency: 2)
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let command = [FaultTestSupport.harness, pipeline, "40"]
        // Time one uninterrupted batch (in a folder of its own) to spread the kills over it.
        let started = Date()
        let timing = try FaultTestSupport.run([FaultTestSupport.harness, pipeline, "40"], logFolder: root, label: "timing")
        let batchSeconds = Date().timeIntervalSince(started)
        try #require(timing.status == 0, "\(timing.both)")
        try FileManager.default.removeItem(atPath: root + "/out")

        let seed = Self.seed()
        var random = SplitMix64(state: seed)
        let targetKills = ProcessInfo.processInfo.environment["MEDVMAD_KILLS"].flatMap { Int($0) } ?? 40
        let record = try killLoop(command, inputs: inputs, maximumDelay: batchSeconds * 0.5, targetKills: targetKills, budget: 18, random: &random)
        let final = try FaultTestSupport.run(command, logFolder: root, label: "final")
        #expect(final.status == 0, "final run: \(final.both)")
        print("engine kill test: seed \(seed) (MEDVMAD_KILL_SEED=\(seed) replays it), batch \(String(format: "%.2f", batchSeconds)) s; \(record.runs) runs, \(record.kills) SIGKILLs, \(record.completed) runs finished before their kill; delays (ms): \(record.delays)")
        #expect(record.kills >= min(targetKills, 20), "too few kills landed (\(record.kills))")

        // Exactly the two outputs per series, right contents, no temporaries, jobs and report agree.
        let output = root + "/out"
        let expected = names.flatMap { ["nifti/\($0)/copy.bin", "nifti/\($0)/size.txt"] }.sorted()
        #expect(FaultTestSupport.files(under: output).filter { !Self.bookkeeping.contains($0) } == expected)
        #expect(FaultTestSupport.temporaries(under: output).isEmpty)
        let jobs = try JobStore(outputFolder: output).jobs()
        #expect(jobs.map(\.inputKey) == names.map { "nifti/\($0).nii.gz" })
        for (job, name) in zip(jobs, names) {
            #expect(job.state == .done && job.error == nil && job.outputList.sorted() == ["nifti/\(name)/copy.bin", "nifti/\(name)/size.txt"])
            let input = try Data(contentsOf: URL(fileURLWithPath: "\(root)/in/\(name).nii.gz"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(output)/nifti/\(name)/copy.bin")) == input)
            #expect(try String(contentsOfFile: "\(output)/nifti/\(name)/size.txt", encoding: .utf8) == "\(input.count)\n")
        }
        try checkReport(output, jobs: jobs)
        print("engine kill test: \(expected.count) outputs checked")
    }

    /// The real processor (tiny random-weight model) on NIfTI and DICOM series: kills at random points,
    /// then the output must match an uninterrupted run's file for file.
    @Test func randomKillsOfTheRealProcessorResumeToTheUninterruptedOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: FaultTestSupport.harness), "build the harness first: swift build --build-tests")
        let (pipeline, inputs) = try makeBatch()
        let command = [FaultTestSupport.harness, pipeline, "0", "--real"]

        // The reference: the same batch, uninterrupted, into its own folder; it also times the batch.
        let started = Date()
        let reference = try FaultTestSupport.run(command, logFolder: root, label: "reference")
        let batchSeconds = Date().timeIntervalSince(started)
        try #require(reference.status == 0, "reference run failed: \(reference.both)")
        try FileManager.default.moveItem(atPath: root + "/out", toPath: root + "/reference")

        let seed = Self.seed()
        var random = SplitMix64(state: seed)
        let targetKills = ProcessInfo.processInfo.environment["MEDVMAD_KILLS"].flatMap { Int($0) } ?? 12
        let record = try killLoop(command, inputs: inputs, maximumDelay: batchSeconds * 0.8, targetKills: targetKills, budget: 20, random: &random)
        let final = try FaultTestSupport.run(command, logFolder: root, label: "final")
        #expect(final.status == 0, "final run: \(final.both)")
        print("processor kill test: seed \(seed) (MEDVMAD_KILL_SEED=\(seed) replays it), batch \(String(format: "%.2f", batchSeconds)) s, \(inputs.count) series; \(record.runs) runs, \(record.kills) SIGKILLs, \(record.completed) runs finished before their kill; delays (ms): \(record.delays)")
        #expect(record.kills >= 3, "too few kills landed (\(record.kills))")

        let checked = try checkOutput(root + "/out", against: root + "/reference")
        print("processor kill test: \(checked) output files checked against the uninterrupted run")
    }

    /// A run killed while writing its report leaves a temporary at the output root; the next run removes it.
    @Test func aKilledReportWriteLeavesNoTemporaryAfterTheNextRun() throws {
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
        try PipelineTestSupport.writeVolume(root + "/in/a.nii.gz", seed: 1)
        let yaml = PipelineTestSupport.pipelineYAML(input: root + "/in", output: root + "/out", model: root + "/model")
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        let leftover = root + "/out/\(AtomicOutput.temporaryPrefix)4242-report.json"
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        try Data("{\"half\": ".utf8).write(to: URL(fileURLWithPath: leftover))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let summary = try PipelineRunner(spec: spec, processor: CountingProcessor(), logger: logger, interactiveProgress: false).run()
        #expect(summary.completed == 1)
        #expect(FaultTestSupport.temporaries(under: root + "/out").isEmpty)
        #expect(FileManager.default.fileExists(atPath: root + "/out/report.json"))
    }

    /// report.json and report.csv list exactly the jobs, all done, with their outputs.
    func checkReport(_ output: String, jobs: [PipelineJob]) throws {
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/report.json"))) as! [String: Any]
        let series = report["series"] as! [[String: Any]]
        #expect(series.map { $0["key"] as! String } == jobs.map(\.inputKey))
        for (entry, job) in zip(series, jobs) {
            #expect(entry["state"] as? String == "done" && (entry["outputs"] as? [String]) == job.outputList, "report entry \(job.inputKey)")
        }
        #expect((report["counts"] as? [String: Int]) == ["done": jobs.count])
        if FileManager.default.fileExists(atPath: output + "/report.csv") {
            let csvRows = try String(contentsOfFile: output + "/report.csv", encoding: .utf8).split(separator: "\n")
            #expect(csvRows.count == jobs.count + 1)
        }
    }

    /// Checks that `output` holds exactly the reference's files, each valid, with jobs and reports agreeing; returns the files checked.
    func checkOutput(_ output: String, against reference: String) throws -> Int {
        let produced = FaultTestSupport.files(under: output).filter { !Self.bookkeeping.contains($0) }
        let expected = FaultTestSupport.files(under: reference).filter { !Self.bookkeeping.contains($0) }
        #expect(FaultTestSupport.temporaries(under: output).isEmpty, "temporaries left: \(FaultTestSupport.temporaries(under: output))")
        // Same names: nothing missing, nothing extra (a duplicate would be an extra name).
        #expect(produced == expected, "missing: \(Set(expected).subtracting(produced).sorted()), extra: \(Set(produced).subtracting(expected).sorted())")

        // The job table: every series done once, its outputs exactly the files in its folder.
        let jobs = try JobStore(outputFolder: output).jobs()
        let referenceJobs = try JobStore(outputFolder: reference).jobs()
        #expect(jobs.map(\.inputKey) == referenceJobs.map(\.inputKey))
        var listed: [String] = []
        for job in jobs {
            #expect(job.state == .done && job.error == nil, "\(job.inputKey): \(job.state) \(job.error ?? "")")
            let inFolder = produced.filter { $0.hasPrefix(job.outputFolder + "/") }
            #expect(job.outputList.sorted() == inFolder, "\(job.inputKey): outputs \(job.outputList) vs files \(inFolder)")
            listed += job.outputList
        }
        #expect(listed.sorted() == produced, "files outside any job's outputs")

        // Every file readable; DICOM objects keep the reference's SOP Instance UIDs (a redone job rewrites
        // the same object, it never adds one), and no UID appears twice.
        var sopUIDs: [String] = []
        for file in produced {
            let path = output + "/" + file
            if file.hasSuffix(".json") {
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? NSDictionary
                let expectedObject = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reference + "/" + file))) as? NSDictionary
                #expect(object != nil && object?.allKeys.count == expectedObject?.allKeys.count, "\(file) differs from the uninterrupted run's")
                #expect(object?["outputs"] as? [String] == expectedObject?["outputs"] as? [String] && object?["key"] as? String == expectedObject?["key"] as? String, "\(file)")
            } else if file.hasSuffix(".dcm") {
                let header = try DicomHeader.read(path: path)
                #expect(header.sopInstanceUID == (try DicomHeader.read(path: reference + "/" + file)).sopInstanceUID, "\(file)")
                sopUIDs.append(header.sopInstanceUID)
            } else if file.hasSuffix(".nii.gz") {
                // Maps may differ in the last bits between processes (BLAS kernels and thread timing), so
                // values are compared with a tolerance far below any threshold's resolution; masks may
                // differ only where the map sits on the pixel threshold (at most 1 % of voxels).
                let volume = try NiftiReader().read(path: path)
                let expectedVolume = try NiftiReader().read(path: reference + "/" + file)
                #expect(volume.size == expectedVolume.size, "\(file)")
                let differing = zip(volume.voxels, expectedVolume.voxels).filter { abs($0 - $1) > 1e-3 }.count
                #expect(differing * 100 <= volume.voxels.count, "\(file): \(differing) voxels differ")
            } else if file.hasSuffix(".png") {
                let image = try PNGFile.read(path)
                let expectedImage = try PNGFile.read(reference + "/" + file)
                #expect(image.width == expectedImage.width && image.height == expectedImage.height, "\(file)")
            } else {
                Issue.record("unexpected output \(file)")
            }
        }
        #expect(Set(sopUIDs).count == sopUIDs.count, "a DICOM object written twice under different names")

        try checkReport(output, jobs: jobs)
        return produced.count
    }
}
