import Foundation
import MedIO
import Raster
import Testing
@testable import Pipeline

/// SplitMix64: a seedable generator, so a failing kill schedule can be replayed (`MEDVMAD_KILL_SEED`).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
        for i in 0..<4 {
            let path = root + "/in/vol\(i).nii.gz"
            try PipelineTestSupport.writeVolume(path, size: [20, 16, 3], seed: Float(i * 37))
            inputs.append(path)
        }
        if FaultTestSupport.hasDcmodify {
            for (i, sample) in ["CT_small.dcm", "MR_small.dcm", "CT_small.dcm"].enumerated() {
                let path = root + "/in/dicom/s\(i).dcm"
                try FaultTestSupport.dicomCopy(of: sample, to: path, newUIDs: true)
                inputs.append(path)
            }
        }
        let pipeline = root + "/p.yaml"
        try FaultTestSupport.pipeline(at: pipeline, input: root + "/in", output: root + "/out", model: root + "/model",
                                      outputs: "[nifti, png, seg, sc]", concurrency: 2)
        return (pipeline, inputs)
    }

    @Test func randomKillsOverOneBatchResumeToExactlyOneValidCopyOfEveryOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: FaultTestSupport.harness), "build the harness first: swift build --build-tests")
        let (pipeline, inputs) = try makeBatch()
        let logs = root + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)

        // The reference: the same batch, uninterrupted, into its own folder; it also times the batch.
        let started = Date()
        let reference = try FaultTestSupport.run([FaultTestSupport.harness, pipeline, "0", "--real"], logFolder: logs, label: "reference")
        let batchSeconds = Date().timeIntervalSince(started)
        try #require(reference.status == 0, "reference run failed: \(reference.both)")
        try FileManager.default.moveItem(atPath: root + "/out", toPath: root + "/reference")

        let seed = ProcessInfo.processInfo.environment["MEDVMAD_KILL_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let targetKills = ProcessInfo.processInfo.environment["MEDVMAD_KILLS"].flatMap { Int($0) } ?? 30
        var random = SplitMix64(state: seed)
        print("kill test: seed \(seed) (MEDVMAD_KILL_SEED=\(seed) replays the delays), uninterrupted batch \(String(format: "%.2f", batchSeconds)) s, \(inputs.count) series")

        // Delays spread over start-up, planning, processing and the report: up to 60 % of a whole batch.
        // When a run gets to the end before its kill, two inputs are touched (same content, new time)
        // so the next run has work again and kills keep landing inside jobs.
        var runs = 0, kills = 0, completed = 0
        var delays: [Int] = []
        let loopStart = Date()
        while kills < targetKills && Date().timeIntervalSince(loopStart) < 40 {
            let delay = Double.random(in: 0...(batchSeconds * 0.6), using: &random)
            delays.append(Int(delay * 1000))
            let (process, _, _) = try FaultTestSupport.start([FaultTestSupport.harness, pipeline, "0", "--real"], logFolder: logs, label: "run\(runs)")
            runs += 1
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                kills += 1
            } else {
                #expect(process.terminationStatus == 0, "run \(runs) ended with \(process.terminationStatus); see \(logs)/run\(runs - 1).err")
                completed += 1
                for _ in 0..<2 {
                    let input = inputs[Int.random(in: 0..<inputs.count, using: &random)]
                    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(Double(runs))], ofItemAtPath: input)
                }
            }
        }
        let final = try FaultTestSupport.run([FaultTestSupport.harness, pipeline, "0", "--real"], logFolder: logs, label: "final")
        #expect(final.status == 0, "final run: \(final.both)")
        print("kill test: \(runs) runs, \(kills) SIGKILLs, \(completed) runs finished before their kill; delays (ms): \(delays)")
        #expect(kills >= 10, "too few kills landed (\(kills)); the batch is too fast for the delays")

        let checked = try checkOutput(root + "/out", against: root + "/reference")
        print("kill test: \(checked) output files checked against the uninterrupted run")
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
                #expect(object != nil && object == expectedObject, "\(file) differs from the uninterrupted run's")
            } else if file.hasSuffix(".dcm") {
                let header = try DicomHeader.read(path: path)
                #expect(header.sopInstanceUID == (try DicomHeader.read(path: reference + "/" + file)).sopInstanceUID, "\(file)")
                sopUIDs.append(header.sopInstanceUID)
            } else if file.hasSuffix(".nii.gz") {
                let volume = try NiftiReader().read(path: path)
                #expect(volume.voxels == (try NiftiReader().read(path: reference + "/" + file)).voxels, "\(file)")
            } else if file.hasSuffix(".png") {
                let image = try PNGFile.read(path)
                #expect(image.pixels == (try PNGFile.read(reference + "/" + file)).pixels, "\(file)")
            } else {
                Issue.record("unexpected output \(file)")
            }
        }
        #expect(Set(sopUIDs).count == sopUIDs.count, "a DICOM object written twice under different names")

        // The report agrees with the job table.
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/report.json"))) as! [String: Any]
        let series = report["series"] as! [[String: Any]]
        #expect(series.map { $0["key"] as! String } == jobs.map(\.inputKey))
        for (entry, job) in zip(series, jobs) {
            #expect(entry["state"] as? String == "done" && (entry["outputs"] as? [String]) == job.outputList, "report entry \(job.inputKey)")
        }
        #expect((report["counts"] as? [String: Int]) == ["done": jobs.count])
        let csvRows = try String(contentsOfFile: output + "/report.csv", encoding: .utf8).split(separator: "\n")
        #expect(csvRows.count == jobs.count + 1)
        return produced.count
    }
}
