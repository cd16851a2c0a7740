import Checkpoint
import CLIP
import Foundation
import Logging
import MedVMAD
import Testing
@testable import Pipeline

/// `execution.timeout_seconds` stops a job inside one long model forward (the limit is checked before
/// every transformer block), records it as failed with the limit in the reason, lets the rest of the
/// batch run, and the job is retried on the next run.
@Suite final class PipelineTimeoutTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("timeout")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A model folder on a random-weight CLIP shaped like the tiny fixture but 12 vision blocks deep,
    /// so that one batch passes many interrupt points.
    static func makeDeepModel(at folder: String) throws {
        let tiny = try CLIPCheckpoint.load(path: PipelineTestSupport.repositoryRoot + "/Tests/Fixtures/tiny-clip")
        var clipConfig = tiny.config
        clipConfig.vision.layers = 12
        let clipFolder = folder + "-clip"
        try FileManager.default.createDirectory(atPath: clipFolder, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: clipConfig.huggingFaceJSON, options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: clipFolder + "/config.json"))
        try SafetensorsWriter.write(CLIPWeights.random(config: clipConfig, seed: 11).huggingFaceTensors(), metadata: ["format": "pt"],
                                    to: clipFolder + "/model.safetensors")
        let clip = try CLIPCheckpoint.load(path: clipFolder)
        var config = MedVMADConfig.Profile.medvmad.config(clip: clip.config, className: "brain")
        config.imageSize = clip.config.vision.imageSize
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clip.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: clip.weights, clipConfig: clip.config, promptIds: ids)
        model.params.initialise(seed: 7)
        let size = ((try FileManager.default.attributesOfItem(atPath: clip.weightsPath))[.size] as? NSNumber)?.int64Value ?? 0
        let manifest = ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: "slow-test", description: "untrained test model", model: model.config,
            clip: .init(path: (clip.weightsPath as NSString).standardizingPath, sha256: try FileDigest.sha256(path: clip.weightsPath),
                        sizeBytes: size, config: clip.config, configSource: clip.configSource),
            provenance: .init(software: "tests", createdAt: "2026-01-01T00:00:00Z", trainingData: "none", trainingImages: nil,
                              epochsCompleted: 0, seed: 7, notes: ""))
        try model.save(modelDirectory: folder, manifest: manifest)
    }

    func spec(input: String, output: String, timeout: Double?) throws -> PipelineSpec {
        // All slices in one batch: the only places the limit can act are inside that one forward.
        let yaml = """
        name: timeout-test
        output: \(output)
        ingest:
          folders: [\(input)]
        select:
          - name: all
            min_slices: 1
        prepare:
          window: auto
          skip_empty: false
        infer:
          model: model
          class_name: brain
          batch_size: 1024
        write:
          outputs: [nifti]
        execution:
          retries: 1
        """
        var spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        // Set here rather than in the file, whose minimum is 1 s, so the test stays short.
        spec.execution.timeoutSeconds = timeout
        return spec
    }

    func jobs(_ output: String) throws -> [String: PipelineJob] {
        Dictionary(uniqueKeysWithValues: try JobStore(outputFolder: root + "/" + output).jobs().map { ($0.inputKey, $0) })
    }

    func run(_ spec: PipelineSpec) throws -> RunSummary {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try PipelineRunner(spec: spec, processor: MedVMADSeriesProcessor(spec: spec), logger: logger, interactiveProgress: false).run()
    }

    @Test func aJobIsStoppedInsideTheModelForwardAndRetriedOnTheNextRun() throws {
        try Self.makeDeepModel(at: root + "/model")
        // Wall-clock limits on a shared machine: the limit is set from a measured one-slice job (the
        // second of two, so it carries no model loading), and the long job from that, so the test
        // keeps its proportions whatever the machine's speed or load.
        for name in ["a", "b"] { try PipelineTestSupport.writeVolume(root + "/probe/\(name).nii.gz", size: [32, 32, 1], seed: 5) }
        _ = try run(try spec(input: "probe", output: "probe-out", timeout: nil))
        let oneSlice = try #require(try jobs("probe-out")["nifti/b.nii.gz"]?.duration)
        let limit = max(0.1, (4 * oneSlice * 20).rounded(.up) / 20)

        // "big" sorts first, so the batch has to go on after it; "small" is one slice, well within the limit.
        try PipelineTestSupport.writeVolume(root + "/in/big.nii.gz", size: [32, 32, 32], seed: 0)
        try PipelineTestSupport.writeVolume(root + "/in/small.nii.gz", size: [32, 32, 1], seed: 5)
        let first = try run(try spec(input: "in", output: "out", timeout: limit))
        #expect(first.completed == 1 && first.failed == 1, "limit \(limit) s: \(first.failures)")
        let stopped = try #require(try jobs("out")["nifti/big.nii.gz"])
        #expect(stopped.state == .failed && stopped.attempts == 2, "one retry in the run, as configured")
        #expect(stopped.error == "nifti/big.nii.gz: timed out after \(String(format: "%g", limit)) s")
        #expect(!FileManager.default.fileExists(atPath: root + "/out/nifti/big"))
        #expect(try jobs("out")["nifti/small.nii.gz"]?.state == .done)
        let stoppedAfter = try #require(stopped.duration)

        // The next run retries it; without a limit it finishes, and its length shows what the limit cut short.
        let second = try run(try spec(input: "in", output: "out", timeout: nil))
        #expect(second.completed == 1 && second.upToDate == 1 && second.failed == 0, "\(second.failures)")
        let finished = try #require(try jobs("out")["nifti/big.nii.gz"])
        #expect(finished.state == .done && finished.attempts == 3)
        let full = try #require(finished.duration)
        // The job must be long against the limit for the comparison to mean anything.
        try #require(full > 3 * limit, "the long job took \(full) s against a limit of \(limit) s")
        // Stopped within about one transformer block (1/12 of the forward) of the limit: far short
        // of the whole job, which a limit checked only between jobs or batches would have let run.
        #expect(stoppedAfter >= limit && stoppedAfter < full / 2, "stopped after \(stoppedAfter) s of a \(full) s job (limit \(limit) s)")
    }
}
