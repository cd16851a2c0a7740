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
    private let loaded = Mutex<MedVMADInference?>(nil)
    private let loading = Mutex(())

    public init(spec: PipelineSpec) {
        self.spec = spec
    }

    func model() throws -> MedVMADInference {
        if let model = loaded.withLock({ $0 }) { return model }
        // One loader at a time; the others wait instead of loading the weights twice.
        return try loading.withLock { _ in
            if let model = loaded.withLock({ $0 }) { return model }
            let model = try MedVMADInference.load(modelDirectory: spec.infer.model, className: spec.infer.className)
            loaded.withLock { $0 = model }
            return model
        }
    }

    public func process(_ job: PipelineJob, context: JobContext) throws -> JobResult {
        let volume = try readVolume(job, files: context.inputFiles)
        try context.checkDeadline()
        let inference = try model()
        if spec.prepare.size != 0 && spec.prepare.size != inference.imageSize {
            throw PipelineError.processingFailed(key: job.inputKey,
                reason: "prepare.size \(spec.prepare.size) differs from the model's image size \(inference.imageSize)")
        }
        let preparer = SlicePreparer(options: .init(plane: SliceAxis(rawValue: spec.prepare.axis.rawValue) ?? .axial,
                                                    window: Self.intensityWindow(spec.prepare.window), modelSize: inference.imageSize,
                                                    skipEmpty: spec.prepare.skipEmpty ? EmptySliceRule() : nil))
        let prepared = try preparer.prepare(volume)
        var maps: [[Float]] = []
        var scores: [Float] = []
        let batch = spec.infer.batchSize
        for start in stride(from: 0, to: prepared.slices.count, by: batch) {
            try context.checkDeadline()
            let chunk = prepared.slices[start..<min(start + batch, prepared.slices.count)]
            let images = try chunk.map { try ByteImage(width: $0.size, height: $0.size, mode: .gray, pixels: $0.image) }
            let results = try inference.infer(images: images, batchSize: batch)
            // Maps and scores sum one probability per feature level; dividing by the level count gives 0…1.
            let scale = 1 / max(inference.mapMaximum, 1)
            maps += results.map { $0.map.map { $0 * scale } }
            scores += results.map { $0.score * scale }
        }
        let probability = try prepared.volumeMap(maps)
        let threshold = Float(spec.infer.threshold)
        let mask = probability.map { $0 >= threshold }
        try context.checkDeadline()

        var outputs: [String] = []
        var notes: [String] = []
        let writer = OutputWriter(spec: spec, context: context, volume: volume, probability: probability, mask: mask,
                                  window: prepared.window, inference: inference, key: job.inputKey, modelHash: job.modelHash)
        for output in spec.write.outputs {
            if output.needsDicomSource, case .nifti = volume.source {
                // Mixed inputs: DICOM objects need DICOM sources; say so instead of failing the volume.
                notes.append("\(output.rawValue) not written: the input is NIfTI")
                continue
            }
            outputs += try writer.write(output)
        }
        let abnormal = zip(prepared.slices, scores).filter { $0.1 >= threshold }.map(\.0.index)
        let summary = ResultsDocument(
            key: job.inputKey, kind: job.kind, model: inference.manifest.name, modelHash: job.modelHash,
            className: spec.infer.className, threshold: spec.infer.threshold, plane: spec.prepare.axis.rawValue,
            window: .init(policy: prepared.window.policy, lower: prepared.window.lower, upper: prepared.window.upper),
            size: volume.size, sliceScores: zip(prepared.slices, scores).map { .init(index: $0.0.index, score: Double($0.1)) },
            skippedSlices: prepared.skipped.map(\.index), abnormalSlices: abnormal,
            maxScore: scores.max().map(Double.init), abnormalVoxels: mask.filter { $0 }.count,
            warnings: volume.warnings + prepared.warnings + notes, outputs: outputs.map { String($0.dropFirst(context.outputFolder.count + 1)) },
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
        guard let series = DicomSeries.group(headers).first(where: { "dicom/\($0.studyInstanceUID)/\($0.seriesInstanceUID)" == job.inputKey }) else {
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

/// `results.json` of one series.
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

    var key: String
    var kind: String
    var model: String
    var modelHash: String
    var className: String
    var threshold: Double
    var plane: String
    var window: AppliedWindowRecord
    var size: [Int]
    var sliceScores: [SliceScore]
    var skippedSlices: [Int]
    var abnormalSlices: [Int]
    var maxScore: Double?
    var abnormalVoxels: Int
    var warnings: [String]
    var outputs: [String]
    var notice: String
}
