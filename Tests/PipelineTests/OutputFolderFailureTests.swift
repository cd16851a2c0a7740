import Foundation
import MedIO
import Testing
@testable import Pipeline

/// An output folder that cannot be written (read-only) or fills up (a file size limit, as `ulimit -f`
/// sets it) must give an error naming the folder or file and leave a state a later run completes
/// from, with nothing lost or written twice. The engine runs in a child process (the kill harness).
@Suite(.serialized) final class OutputFolderFailureTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("outfail")
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        try PipelineTestSupport.makeStandInModel(at: root + "/model")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// How a read-only output folder is made here. Root ignores permission bits, so as root the child
    /// runs in its own mount namespace with the folder bind-mounted read-only (a real EROFS), or, where
    /// mounting is not allowed, as user `nobody` (the folder is root's, mode 755).
    enum ReadOnlyMode: CustomStringConvertible {
        case permissions, bindMount, otherUser

        var name: String {
            switch self {
            case .permissions: return "permissions"
            case .bindMount: return "bindMount"
            case .otherUser: return "otherUser"
            }
        }

        var description: String {
            switch self {
            case .permissions: return "folder mode 555"
            case .bindMount: return "read-only bind mount"
            case .otherUser: return "run as nobody"
            }
        }

        /// The command prefix that runs `arguments` with `folder` read-only.
        func wrap(_ arguments: [String], folder: String) -> [String] {
            switch self {
            case .permissions: return arguments
            case .bindMount:
                return ["/usr/bin/unshare", "-m", "/bin/sh", "-c",
                        "mount --bind \"$0\" \"$0\" && mount -o remount,ro,bind \"$0\" \"$0\" && exec \"$@\"", folder] + arguments
            case .otherUser:
                return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + arguments
            }
        }
    }

    static let readOnlyMode: ReadOnlyMode? = {
        guard getuid() == 0 else { return .permissions }
        // Probe: does a write into a folder made read-only this way really fail? MEDVMAD_READONLY_MODE
        // (bindMount or otherUser) tries one way only.
        guard let probe = try? PipelineTestSupport.temporaryFolder("ro-probe") else { return nil }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        let forced = ProcessInfo.processInfo.environment["MEDVMAD_READONLY_MODE"]
        for mode in [ReadOnlyMode.bindMount, .otherUser] where forced == nil || forced == mode.name {
            let command = mode.wrap(["/usr/bin/touch", probe + "/x"], folder: probe)
            guard FileManager.default.isExecutableFile(atPath: command[0]),
                  let outcome = try? FaultTestSupport.run(command, logFolder: probe, label: ".probe") else { continue }
            if outcome.status != 0 && !FileManager.default.fileExists(atPath: probe + "/x")
                && (outcome.stderr.contains("Read-only") || outcome.stderr.contains("Permission denied")) {
                return mode
            }
            try? FileManager.default.removeItem(atPath: probe + "/x")
        }
        return nil
    }()

    func harness(_ pipeline: String, _ extra: [String] = []) -> [String] {
        [FaultTestSupport.harness, pipeline, "0"] + extra
    }

    func writePipeline(output: String) throws -> String {
        let path = root + "/p-\(output.replacingOccurrences(of: "/", with: "_")).yaml"
        try PipelineTestSupport.pipelineYAML(input: root + "/in", output: output, model: root + "/model").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every job done once, with exactly its two files, the copy equal to the input.
    func expectComplete(_ output: String, names: [String]) throws {
        let jobs = try JobStore(outputFolder: output).jobs()
        #expect(jobs.map(\.inputKey) == names.map { "nifti/\($0).nii.gz" })
        for (job, name) in zip(jobs, names) {
            #expect(job.state == .done && job.error == nil, "\(job.inputKey): \(job.state) \(job.error ?? "")")
            #expect(job.outputList.sorted() == ["nifti/\(name)/copy.bin", "nifti/\(name)/size.txt"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: output + "/nifti/" + name).sorted() == ["copy.bin", "size.txt"])
            let input = try Data(contentsOf: URL(fileURLWithPath: root + "/in/\(name).nii.gz"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/nifti/\(name)/copy.bin")) == input)
        }
        #expect(FaultTestSupport.temporaries(under: output).isEmpty)
    }

    @Test(.enabled(if: OutputFolderFailureTests.readOnlyMode != nil, "no way to make a folder read-only for a child process here"))
    func aReadOnlyOutputFolderIsNamedInTheErrorAndARerunCompletes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: FaultTestSupport.harness), "build the harness first: swift build --build-tests")
        let mode = try #require(Self.readOnlyMode)
        let output = root + "/out"
        let pipeline = try writePipeline(output: output)
        for (i, name) in ["a", "b"].enumerated() { try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(i)) }
        let first = try FaultTestSupport.run(harness(pipeline), logFolder: root + "/logs", label: "first")
        try #require(first.status == 0, "\(first.both)")
        // More input arrives; the output folder has become read-only since.
        for (i, name) in ["c", "d"].enumerated() { try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(10 + i)) }
        let before = FaultTestSupport.files(under: output)
        let beforeJobs = try JobStore(outputFolder: output).jobs()
        // A fresh folder inside a read-only parent, too: it cannot even be created.
        let fresh = root + "/ro-parent/out"
        try FileManager.default.createDirectory(atPath: root + "/ro-parent", withIntermediateDirectories: true)
        let freshPipeline = try writePipeline(output: fresh)
        if mode == .permissions {
            try setWritable(false, output)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: root + "/ro-parent")
        }
        defer {
            try? setWritable(true, output)
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/ro-parent")
        }

        let refused = try FaultTestSupport.run(mode.wrap(harness(pipeline), folder: output), logFolder: root + "/logs", label: "refused")
        print("read-only output (\(mode)): exit \(refused.status): \(refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(output): output folder unavailable"), "\(refused.stderr)")
        #expect(refused.stderr.contains("Read-only file system") || refused.stderr.contains("Permission denied"), "\(refused.stderr)")
        let refusedFresh = try FaultTestSupport.run(mode.wrap(harness(freshPipeline), folder: root + "/ro-parent"), logFolder: root + "/logs", label: "fresh")
        #expect(refusedFresh.status == 1 && refusedFresh.stderr.contains(fresh), "\(refusedFresh.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))

        // Nothing changed: the done jobs and their files are intact.
        #expect(FaultTestSupport.files(under: output) == before)
        #expect(try JobStore(outputFolder: output).jobs() == beforeJobs)

        // Fixed: the rerun does the new series only and completes.
        try setWritable(true, output)
        let fixed = try FaultTestSupport.run(harness(pipeline), logFolder: root + "/logs", label: "fixed")
        #expect(fixed.status == 0, "\(fixed.both)")
        try expectComplete(output, names: ["a", "b", "c", "d"])
        let jobs = try JobStore(outputFolder: output).jobs()
        #expect(jobs.filter { ["nifti/a.nii.gz", "nifti/b.nii.gz"].contains($0.inputKey) }.allSatisfy { $0.attempts == 1 }, "done series were redone")
    }

    func setWritable(_ writable: Bool, _ folder: String) throws {
        guard Self.readOnlyMode == .permissions else { return }
        let folders = [folder] + FaultTestSupport.files(under: folder).map { (folder + "/" + $0 as NSString).deletingLastPathComponent }
        for path in Set(folders) {
            try FileManager.default.setAttributes([.posixPermissions: writable ? 0o755 : 0o555], ofItemAtPath: path)
        }
    }

    /// Large inputs give copies over the file size limit: those jobs fail naming the file, the others
    /// finish; without the limit the rerun does the failed ones and nothing else.
    @Test func aFullDiskFailsTheJobsNamingTheFileAndARerunCompletes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: FaultTestSupport.harness), "build the harness first: swift build --build-tests")
        let output = root + "/out"
        let pipeline = try writePipeline(output: output)
        let small = ["s0", "s1", "s2"], large = ["l0", "l1"]
        for (i, name) in small.enumerated() { try PipelineTestSupport.writeVolume("\(root)/in/\(name).nii.gz", seed: Float(i)) }
        for (i, name) in large.enumerated() {
            try Self.writeIncompressibleVolume("\(root)/in/\(name).nii.gz", seed: UInt64(i + 1))
        }
        let limit = 192 * 1024
        let size = { (name: String) in ((try? FileManager.default.attributesOfItem(atPath: "\(self.root)/in/\(name).nii.gz"))?[.size] as? NSNumber)?.intValue ?? 0 }
        try #require(large.allSatisfy { size($0) > limit } && small.allSatisfy { size($0) < limit / 4 }, "input sizes do not straddle the limit")

        let full = try FaultTestSupport.run(harness(pipeline, ["--max-file-bytes", "\(limit)"]), logFolder: root + "/logs", label: "full")
        #expect(full.status == 3, "\(full.both)")
        let jobs = try JobStore(outputFolder: output).jobs()
        let stateSize = ((try FileManager.default.attributesOfItem(atPath: output + "/state.sqlite"))[.size] as? NSNumber)?.intValue ?? 0
        #expect(stateSize < limit, "the job table itself outgrew the limit")
        for job in jobs {
            let name = ((job.inputKey as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".nii", with: "")
            if large.contains(name) {
                let error = job.error ?? ""
                print("full disk: \(job.inputKey): \(error)")
                #expect(job.state == .failed)
                #expect(error.contains("\(output)/nifti/\(name)/copy.bin: cannot write output: File too large"), "\(error)")
                // A failed job keeps no partial outputs.
                #expect(!FileManager.default.fileExists(atPath: output + "/nifti/" + name))
            } else {
                #expect(job.state == .done, "\(job.inputKey): \(job.error ?? "")")
            }
        }
        #expect(FaultTestSupport.temporaries(under: output).isEmpty, "\(FaultTestSupport.temporaries(under: output))")

        // The job table cannot grow at all: a run-level error naming the database.
        let tiny = root + "/out-tiny"
        let tinyPipeline = try writePipeline(output: tiny)
        let noRoom = try FaultTestSupport.run(harness(tinyPipeline, ["--max-file-bytes", "2048"]), logFolder: root + "/logs", label: "noroom")
        print("full disk before the job table: exit \(noRoom.status): \(noRoom.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
        #expect(noRoom.status == 1 && noRoom.stderr.contains(tiny + "/state.sqlite"), "\(noRoom.stderr)")

        // Room again: the failed series are redone, the done ones are not.
        let rerun = try FaultTestSupport.run(harness(pipeline), logFolder: root + "/logs", label: "rerun")
        #expect(rerun.status == 0, "\(rerun.both)")
        try expectComplete(output, names: (large + small).sorted())
        for job in try JobStore(outputFolder: output).jobs() where small.contains(where: { job.inputKey == "nifti/\($0).nii.gz" }) {
            #expect(job.attempts == 1, "\(job.inputKey) was redone")
        }
        let again = try FaultTestSupport.run(harness(tinyPipeline), logFolder: root + "/logs", label: "tiny-rerun")
        #expect(again.status == 0, "\(again.both)")
        try expectComplete(tiny, names: (large + small).sorted())
    }

    /// A NIfTI volume of pseudo-random voxels (gzip cannot shrink it much), about 256 KiB compressed.
    static func writeIncompressibleVolume(_ path: String, seed: UInt64) throws {
        var random = SplitMix64(state: seed)
        let size = [64, 64, 16]
        let voxels = (0..<size.reduce(1, *)).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next()) & 0x3FFF_FFFF) }
        let lps: [Double] = [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        let ras: [Double] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        let volume = Volume(size: size, voxels: voxels, spacing: [1, 1, 1], indexToPatient: lps, modality: "",
                            source: .nifti(NiftiReference(path: path, rasAffine: ras, qformCode: 1, sformCode: 1)))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try NiftiWriter().writeProbabilityMap(voxels, like: volume, to: path)
    }
}
