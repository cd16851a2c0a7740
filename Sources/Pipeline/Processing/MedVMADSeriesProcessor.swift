import Checkpoint
import Foundation
import MedIO
import MedVMAD
import Raster
import Synchronization

/// The MedVMAD-backed processor: read the volume, cut model-input slices, score them, put the maps
/// back on the volume grid, threshold, and write the outputs the pipeline asks for plus `results.json`.
///
/// The model is loaded once, on the first job, and shared by all jobs (inference is read-only).
public final class MedVMADSeriesProcessor: SeriesProcessor {
    public let spec: PipelineSpec
    private let loaded = Mutex<(MedVMADInference, DecisionPolicy)?>(nil)
    private let loading = Mutex(())
    private let timing = Mutex(Timing())

    /// Where a processor's time went, summed over the jobs it ran: the share of a run's wall time
    /// spent outside the model is what `medvmad bench --pipeline` reports.
    public struct Timing: Sendable, Equatable {
        /// Reading the model folder (weights, prompts' text features), once per processor.
        public var modelLoadSeconds: Double = 0
        /// Inside the model: slice preprocessing to pixel values, forward passes, maps and scores.
        public var modelSeconds: Double = 0
        /// Slices the model scored.
        public var slices: Int = 0
    }

    /// The time spent so far (see `Timing`).
    public var timingSoFar: Timing { timing.withLock { $0 } }

    /// Most flagged slices given a thumbnail per series.
    static let thumbnailLimit = 12

    public init(spec: PipelineSpec) {
        self.spec = spec
    }

    func model() throws -> MedVMADInference { try modelAndPolicy().0 }

    /// The model and its decision policy, loaded once.
    func modelAndPolicy() throws -> (MedVMADInference, DecisionPolicy) {
        if let pair = loaded.withLock({ $0 }) { return pair }
        // One loader at a time; the others wait instead of loading the weights twice.
        return try loading.withLock { _ in
            if let pair = loaded.withLock({ $0 }) { return pair }
            let started = Date()
            let model = try MedVMADInference.load(modelDirectory: spec.infer.model, className: spec.infer.className)
            let pair = (model, try Self.policy(for: model, override: spec.infer.threshold, pipeline: spec.name))
            let seconds = Date().timeIntervalSince(started)
            timing.withLock { $0.modelLoadSeconds += seconds }
            loaded.withLock { $0 = pair }
            return pair
        }
    }

    /// The model's policy (calibration or uncalibrated default), with the pipeline file's manual
    /// image threshold in its place when one is set.
    static func policy(for inference: MedVMADInference, override: Double?, pipeline: String) throws -> DecisionPolicy {
        var policy = try DecisionPolicy.load(for: inference)
        if let override {
            policy.imageThreshold = DecisionThreshold(value: Float(override), source: .pipelineFile,
                                                      description: "set in pipeline '\(pipeline)' (infer.threshold)")
        }
        return policy
    }

    public func process(_ job: PipelineJob, context given: JobContext) throws -> JobResult {
        let volume = try readVolume(job, files: given.inputFiles)
        try given.checkDeadline()
        let loadStarted = Date()
        let (inference, policy) = try modelAndPolicy()
        // Loading the shared model (or waiting for another job to load it) happens once, inside
        // whichever job comes first; it is not that job's work, so it does not count against its limit.
        var context = given
        context.deadline = given.deadline?.addingTimeInterval(Date().timeIntervalSince(loadStarted))
        if spec.prepare.size != 0 && spec.prepare.size != inference.imageSize {
            throw PipelineError.processingFailed(key: job.inputKey,
                reason: "prepare.size \(spec.prepare.size) differs from the model's image size \(inference.imageSize)")
        }
        let preparer = SlicePreparer(options: .init(plane: SliceAxis(rawValue: spec.prepare.axis.rawValue) ?? .axial,
                                                    window: Self.intensityWindow(spec.prepare.window), modelSize: inference.imageSize,
                                                    skipEmpty: spec.prepare.skipEmpty ? EmptySliceRule() : nil))
        let prepared = try preparer.prepare(volume)
        var results: [MedVMADInference.SliceResult] = []
        let batch = spec.infer.batchSize
        for start in stride(from: 0, to: prepared.slices.count, by: batch) {
            try context.checkDeadline()
            let chunk = prepared.slices[start..<min(start + batch, prepared.slices.count)]
            let images = try chunk.map { try ByteImage(width: $0.size, height: $0.size, mode: .gray, pixels: $0.image) }
            // Checked again before every transformer block, so a limit stops even one long batch.
            let started = Date()
            results += try inference.infer(images: images, batchSize: batch, interrupt: { try context.checkDeadline() })
            let seconds = Date().timeIntervalSince(started)
            timing.withLock { $0.modelSeconds += seconds; $0.slices += images.count }
        }
        // Maps stay in the model's units (0 … mapMaximum), the units of the policy's thresholds and scale.
        let verdict = SeriesVerdict(slices: results.map(policy.verdict), threshold: policy.imageThreshold)
        let map = try prepared.volumeMap(results.map(\.map))
        let pixelThreshold = policy.pixelThreshold.value
        let mask = map.map { $0 > pixelThreshold }
        try context.checkDeadline()

        // Verdicts by volume slice (z), for the figures drawn on the native z slices; only when the
        // analysis stepped through z does a prepared slice's index name a z slice.
        var verdictBySlice: [Int: SliceVerdict] = [:]
        if prepared.orientation.sliceAxis == 2 {
            for (slice, v) in zip(prepared.slices, verdict.slices) { verdictBySlice[slice.index] = v }
        }
        var outputs: [String] = []
        var notes: [String] = []
        let writer = OutputWriter(spec: spec, context: context, volume: volume, map: map, mask: mask, window: prepared.window,
                                  inference: inference, policy: policy, verdicts: verdictBySlice, plane: spec.prepare.axis.rawValue,
                                  alongZ: prepared.orientation.sliceAxis == 2, key: job.inputKey, modelHash: job.modelHash)
        for output in spec.write.outputs {
            if output.needsDicomSource, case .nifti = volume.source {
                // Mixed inputs: DICOM objects need DICOM sources; say so instead of failing the volume.
                notes.append("\(output.rawValue) not written: the input is NIfTI")
                continue
            }
            outputs += try writer.write(output)
        }
        // Small heat maps for the HTML report: the highest-scoring flagged slices (at most
        // `thumbnailLimit`, so a volume flagged throughout keeps the page small), and the
        // highest-scoring slice even when nothing is flagged.
        let worst = verdict.worstSlice.map { prepared.slices[$0].index }
        let flagged = verdict.flaggedSlices.map { prepared.slices[$0].index }
        let shown = verdict.flaggedSlices.sorted { verdict.slices[$0].score > verdict.slices[$1].score }
            .prefix(Self.thumbnailLimit).map { prepared.slices[$0].index }
        // Only the HTML report shows them: `infer`, and pipelines without an HTML report, write none.
        var thumbnails: [ResultsDocument.Thumbnail] = []
        let wantsThumbnails = spec.report.formats.contains(.html)
        for z in Array(Set(shown + (worst.map { [$0] } ?? []))).sorted() where wantsThumbnails && verdictBySlice[z] != nil {
            let name = "thumbnails/slice-\(String(format: "%04d", z)).png"
            outputs.append(try writer.writeThumbnail(slice: z, as: name))
            thumbnails.append(.init(slice: z, file: name, abnormal: flagged.contains(z)))
        }
        let relative = { (path: String) in path.hasPrefix(context.outputFolder + "/") ? String(path.dropFirst(context.outputFolder.count + 1)) : path }
        let indexed = zip(prepared.slices, verdict.slices).map { ResultsDocument.SliceRecord(index: $0.0.index, verdict: $0.1) }
        let summary = ResultsDocument(
            key: job.inputKey, kind: job.kind,
            model: .init(name: inference.manifest.name, profile: spec.infer.profile ?? inference.manifest.model.profile,
                         clipSha256: inference.manifest.clip.sha256, calibration: policy.calibration?.sourceDescription,
                         mapMaximum: Double(inference.mapMaximum)),
            modelHash: job.modelHash, className: spec.infer.className,
            outcome: verdict.abnormal ? "anomaly" : "no anomaly above threshold", statement: verdict.statement,
            score: Double(verdict.score), threshold: Double(policy.imageThreshold.value), imageThreshold: policy.imageThreshold,
            pixelThreshold: policy.pixelThreshold, heatmapScale: .init(lo: Double(policy.scale.lo), hi: Double(policy.scale.hi), description: policy.scale.description),
            plane: spec.prepare.axis.rawValue,
            window: .init(policy: prepared.window.policy, lower: prepared.window.lower, upper: prepared.window.upper),
            size: volume.size, slices: indexed, sliceScores: indexed.map { .init(index: $0.index, score: Double($0.verdict.score)) },
            skippedSlices: prepared.skipped.map(\.index), abnormalSlices: flagged,
            maxScore: results.isEmpty ? nil : Double(verdict.score), abnormalVoxels: mask.filter { $0 }.count,
            thumbnails: thumbnails,
            warnings: volume.warnings + prepared.warnings + notes, outputs: outputs.map(relative),
            notice: "Research software; AI generated, not for clinical use.")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        outputs.append(try context.write(try encoder.encode(summary), named: "results.json"))
        return JobResult(outputs: outputs, notes: summary.warnings)
    }

    /// Reads the job's volume; DICOM files are grouped again so one job reads exactly its series.
    func readVolume(_ job: PipelineJob, files: [String]) throws -> Volume {
        if job.kind == SeriesCandidate.Kind.nifti.rawValue {
            guard let path = files.first else { throw PipelineError.processingFailed(key: job.inputKey, reason: "no input file") }
            return try NiftiReader().read(path: path)
        }
        var headers: [DicomHeader] = []
        for path in files {
            headers += try DicomScan.scan(root: path).series.flatMap(\.instances)
        }
        guard let series = DicomSeries.group(headers).first(where: { SeriesCandidate.dicomKey(study: $0.studyInstanceUID, series: $0.seriesInstanceUID) == job.inputKey }) else {
            throw PipelineError.processingFailed(key: job.inputKey, reason: "the series' files no longer hold it")
        }
        return try DicomSeriesReader.load(series)
    }

    static func intensityWindow(_ choice: WindowChoice) -> IntensityWindow {
        switch choice {
        case .automatic: return .automatic
        case .header: return .header
        case .percentiles(let lower, let upper): return .percentiles(lower: lower, upper: upper)
        case .explicit(let center, let width): return .explicit(Window(center: center, width: width))
        case .preset(let name):
            if let preset = CTPreset(rawValue: name) { return .ct(preset) }
            let (lower, upper) = WindowChoice.presets[name] ?? (0, 1)
            return .explicit(Window(center: (lower + upper) / 2, width: upper - lower))
        }
    }
}

/// `results.json` of one series. Scores and thresholds are in the model's map units
/// (0 … `model.mapMaximum`); a slice is abnormal iff its score is strictly above `threshold`.
struct ResultsDocument: Codable {
    struct AppliedWindowRecord: Codable {
        var policy: String
        var lower: Double
        var upper: Double
    }

    struct SliceScore: Codable {
        var index: Int
        var score: Double
    }

    /// One analysed slice: its index in the volume along the analysis plane, and its verdict.
    struct SliceRecord: Codable {
        var index: Int
        var verdict: SliceVerdict
    }

    struct ModelRecord: Codable {
        var name: String
        var profile: String?
        var clipSha256: String
        /// Where the calibration came from; nil when the model is uncalibrated.
        var calibration: String?
        var mapMaximum: Double
    }

    struct ScaleRecord: Codable {
        var lo: Double
        var hi: Double
        var description: String
    }

    struct Thumbnail: Codable {
        var slice: Int
        var file: String
        var abnormal: Bool
    }

    var key: String
    var kind: String
    var model: ModelRecord
    var modelHash: String
    var className: String
    /// "anomaly" or "no anomaly above threshold".
    var outcome: String
    /// The series verdict in words (see `SeriesVerdict.statement`).
    var statement: String
    /// Series score: the highest slice score.
    var score: Double
    /// The image threshold's value (repeated from `imageThreshold` for simple readers).
    var threshold: Double
    var imageThreshold: DecisionThreshold
    var pixelThreshold: DecisionThreshold
    var heatmapScale: ScaleRecord
    var plane: String
    var window: AppliedWindowRecord
    var size: [Int]
    var slices: [SliceRecord]
    var sliceScores: [SliceScore]
    var skippedSlices: [Int]
    var abnormalSlices: [Int]
    var maxScore: Double?
    var abnormalVoxels: Int
    var thumbnails: [Thumbnail]
    var warnings: [String]
    var outputs: [String]
    var notice: String
}
