import Checkpoint
import CLIP
import FixtureSupport
import Foundation
import Logging
import MedIO
import MedVMAD
import Raster
import Testing
@testable import Pipeline

/// The MedVMAD-backed processor end to end on the tiny CLIP fixture with seed-initialised prompts
/// and adapters (untrained: the test checks the plumbing and the outputs' consistency, not accuracy).
@Suite final class MedVMADSeriesProcessorTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("processor")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes a model folder for the tiny fixture CLIP.
    static func makeModel(at folder: String) throws {
        let clipPath = PipelineTestSupport.repositoryRoot + "/Tests/Fixtures/tiny-clip"
        let clip = try CLIPCheckpoint.load(path: clipPath)
        var config = MedVMADConfig.Profile.medvmad.config(clip: clip.config, className: "brain")
        config.imageSize = clip.config.vision.imageSize
        let ids = try MedVMADModel.promptIds(for: config.prompt, contextLength: clip.config.text.contextLength, tokenizer: try CLIPTokenizer())
        let model = try MedVMADModel(config: config, clipWeights: clip.weights, clipConfig: clip.config, promptIds: ids)
        model.params.initialise(seed: 7)
        let size = ((try FileManager.default.attributesOfItem(atPath: clip.weightsPath))[.size] as? NSNumber)?.int64Value ?? 0
        let manifest = ModelManifest(
            formatVersion: ModelManifest.currentFormat, name: "tiny-test", description: "untrained test model", model: model.config,
            clip: .init(path: (clip.weightsPath as NSString).standardizingPath, sha256: try FileDigest.sha256(path: clip.weightsPath),
                        sizeBytes: size, config: clip.config, configSource: clip.configSource),
            provenance: .init(software: "tests", createdAt: "2026-01-01T00:00:00Z", trainingData: "none", trainingImages: nil,
                              epochsCompleted: 0, seed: 7, notes: ""))
        try model.save(modelDirectory: folder, manifest: manifest)
    }

    @Test func niftiAndDicomSeriesGiveConsistentOutputs() throws {
        try Self.makeModel(at: root + "/model")
        try PipelineTestSupport.writeVolume(root + "/in/vol.nii.gz", size: [20, 16, 3], seed: 0)
        let ct = PipelineTestSupport.repositoryRoot + "/sample-data/dicom/CT_small.dcm"
        try FileManager.default.createDirectory(atPath: root + "/in/ct", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ct, toPath: root + "/in/ct/CT_small.dcm")
        let yaml = """
        name: processor-test
        output: out
        ingest:
          folders: [in]
        select:
          - name: all
            min_slices: 1
        prepare:
          window: auto
          skip_empty: false
        infer:
          model: model
          class_name: brain
          threshold: 0.3
          batch_size: 2
        write:
          outputs: [nifti, png, seg, sc]
        """
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let summary = try PipelineRunner(spec: spec, processor: MedVMADSeriesProcessor(spec: spec), logger: logger, interactiveProgress: false).run()
        #expect(summary.completed == 2 && summary.failed == 0, "\(summary.failures)")

        // NIfTI: map and mask on the input grid, in the model's map units; the mask is the map
        // strictly above the policy's pixel threshold, voxel by voxel.
        let folder = root + "/out/nifti/vol"
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))) as! [String: Any]
        let mapMaximum = (results["model"] as! [String: Any])["mapMaximum"] as! Double
        let imageThreshold = results["imageThreshold"] as! [String: Any]
        let pixelThreshold = (results["pixelThreshold"] as! [String: Any])["value"] as! Double
        // The pipeline file's threshold overrides the image threshold only; the pixel threshold is the
        // uncalibrated default (half the map maximum), the model having no calibration.
        #expect(imageThreshold["value"] as! Double == 0.3 && imageThreshold["source"] as! String == "pipeline file")
        #expect(abs(pixelThreshold - mapMaximum / 2) < 1e-6)
        let map = try NiftiReader().read(path: folder + "/nifti/anomaly-map.nii.gz")
        let mask = try NiftiReader().read(path: folder + "/nifti/anomaly-mask.nii.gz")
        #expect(map.size == [20, 16, 3] && mask.size == map.size)
        #expect(map.voxels.allSatisfy { $0 >= 0 && Double($0) <= mapMaximum })
        #expect(zip(map.voxels, mask.voxels).allSatisfy { (Double($0) > pixelThreshold) == ($1 == 1) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/png").count == 3)
        let scores = (results["sliceScores"] as! [[String: Any]]).map { $0["score"] as! Double }
        #expect(scores.count == 3 && scores.allSatisfy { $0 >= 0 && $0 <= mapMaximum })
        let flagged = scores.enumerated().filter { $0.element > 0.3 }.map(\.offset)
        #expect(results["abnormalSlices"] as! [Int] == flagged)
        // The outcome is stated either way, with the threshold and its source.
        let statement = results["statement"] as! String
        #expect(results["outcome"] as! String == (flagged.isEmpty ? "no anomaly above threshold" : "anomaly"))
        #expect(statement.contains("0.300") && statement.contains("infer.threshold"))
        #expect((results["warnings"] as! [String]).contains("seg not written: the input is NIfTI"))
        // Figures carry a legend and burned-in text: wider than the (enlarged) slice.
        let png = try PNGFile.read(folder + "/png/slice-0000.png")
        #expect(png.height >= OutputWriter.figureMinimumSide && png.width > png.height * 20 / 16)
        // Thumbnails: the flagged slices plus the highest-scoring one.
        let thumbnails = (results["thumbnails"] as! [[String: Any]]).map { $0["slice"] as! Int }
        let worst = scores.indices.max { scores[$0] < scores[$1] }!
        #expect(thumbnails == Array(Set(flagged + [worst])).sorted())

        // DICOM: SEG and SC in the source's study, named in the job's outputs. The SC holds the verdict
        // figure (enlarged slice plus legend), no longer the source's grid.
        let source = try DicomHeader.read(path: ct)
        let dicomFolder = root + "/out/dicom/\(source.studyInstanceUID)/\(source.seriesInstanceUID)"
        let seg = try DicomHeader.read(path: dicomFolder + "/seg/seg.dcm")
        #expect(seg.studyInstanceUID == source.studyInstanceUID && seg.sopClassUID == DicomSegWriter.sopClassUID)
        let sc = try DicomHeader.read(path: dicomFolder + "/sc/sc-0001.dcm")
        #expect(sc.studyInstanceUID == source.studyInstanceUID && sc.rows >= OutputWriter.figureMinimumSide && sc.columns > sc.rows)

        // The run's reports carry each series' verdict.
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/out/report.json"))) as! [String: Any]
        let entries = report["series"] as! [[String: Any]]
        #expect(entries.count == 2 && entries.allSatisfy { ($0["verdict"] as? [String: Any])?["statement"] is String })
        #expect(FileManager.default.fileExists(atPath: root + "/out/report.html"))

        // A redo (model settings changed) rewrites the same objects: UIDs depend on series and model only.
        try? FileManager.default.removeItem(atPath: root + "/out/state.sqlite")
        _ = try PipelineRunner(spec: spec, processor: MedVMADSeriesProcessor(spec: spec), logger: logger, interactiveProgress: false).run()
        #expect(try DicomHeader.read(path: dicomFolder + "/seg/seg.dcm").sopInstanceUID == seg.sopInstanceUID)
    }

    /// Runs pipeline `name` over one 20×16×2 NIfTI volume with the tiny model; `stages` is the YAML
    /// of its infer, write and report stages. Returns the volume's output folder and its results.json.
    func runOnOneVolume(name: String, stages: String) throws -> (folder: String, results: [String: Any]) {
        try Self.makeModel(at: root + "/model")
        try PipelineTestSupport.writeVolume(root + "/in/vol.nii.gz", size: [20, 16, 2], seed: 0)
        let yaml = """
        name: \(name)
        output: out
        ingest:
          folders: [in]
        select:
          - name: all
            min_slices: 1
        prepare:
          skip_empty: false

        """ + stages
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let summary = try PipelineRunner(spec: spec, processor: MedVMADSeriesProcessor(spec: spec), logger: logger, interactiveProgress: false).run()
        #expect(summary.completed == 1, "\(summary.failures)")
        let folder = root + "/out/nifti/vol"
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))) as! [String: Any]
        return (folder, results)
    }

    /// Thumbnails exist for the HTML report only: a pipeline reporting JSON and CSV writes none.
    @Test func noHTMLReportMeansNoThumbnails() throws {
        let (folder, results) = try runOnOneVolume(name: "plain", stages: """
            infer:
              model: model
              class_name: brain
            write:
              outputs: [nifti]
            report:
              formats: [json, csv]
            """)
        #expect((results["thumbnails"] as! [[String: Any]]).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["nifti", "results.json"])
        #expect(FileManager.default.fileExists(atPath: root + "/out/report.csv"))
    }

    /// Nothing above threshold is an outcome stated in results.json and the reports, with the
    /// figures and the highest-scoring slice's thumbnail still written.
    @Test func noAnomalyIsAStatedOutcome() throws {
        // A threshold above the map maximum: no slice can be flagged.
        let (folder, results) = try runOnOneVolume(name: "quiet", stages: """
            infer:
              model: model
              class_name: brain
              threshold: 1000
            write:
              outputs: [png]
            report:
              formats: [json, csv, html]
            """)
        #expect(results["outcome"] as! String == "no anomaly above threshold")
        #expect((results["statement"] as! String).hasPrefix("no anomaly above threshold 1000.000"))
        #expect((results["abnormalSlices"] as! [Int]).isEmpty)
        #expect((results["thumbnails"] as! [[String: Any]]).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/png").count == 2)
        let csv = try String(contentsOfFile: root + "/out/report.csv", encoding: .utf8)
        #expect(csv.contains(",no anomaly above threshold,") && csv.contains(",pipeline file,"))
        let html = try String(contentsOfFile: root + "/out/report.html", encoding: .utf8)
        #expect(html.contains("no anomaly above threshold"))
    }
}
