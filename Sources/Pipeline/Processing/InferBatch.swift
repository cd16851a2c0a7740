import Foundation
import Logging
import MedIO
import MedVMAD

/// `medvmad infer` on DICOM and NIfTI inputs: every series (DICOM, grouped by Study and Series
/// Instance UID) and every NIfTI volume found in the inputs goes through the pipeline's
/// `MedVMADSeriesProcessor` exactly as a pipeline job would, without a job table or selection rules.
///
/// Each series gets its own folder with its outputs and a `results.json`; a series that cannot be
/// processed gets a `results.json` with the error instead, and the others continue.
public struct InferBatch: Sendable {
    /// What to run and write.
    public struct Options: Sendable, Equatable {
        /// Model folder (`medvmad.json` + `learned.safetensors`).
        public var model: String
        /// Organ or object name for the prompts; nil takes the model's own.
        public var className: String?
        /// Outputs per series; DICOM-only outputs are left out (with a note) for NIfTI inputs.
        public var formats: [WriteStage.Output]
        public var axis: SliceAxisName
        public var window: WindowChoice
        public var skipEmpty: Bool
        /// Image threshold in the model's map units; nil keeps the model's calibration or default.
        public var threshold: Double?
        public var batchSize: Int

        public init(model: String, className: String? = nil, formats: [WriteStage.Output] = WriteStage.Output.allCases,
                    axis: SliceAxisName = .axial, window: WindowChoice = .automatic, skipEmpty: Bool = true,
                    threshold: Double? = nil, batchSize: Int = 8) {
            self.model = model
            self.className = className
            self.formats = formats
            self.axis = axis
            self.window = window
            self.skipEmpty = skipEmpty
            self.threshold = threshold
            self.batchSize = batchSize
        }
    }

    /// What happened to one series or volume.
    public struct SeriesOutcome: Sendable, Equatable, Codable {
        /// `dicom/<StudyInstanceUID>/<SeriesInstanceUID>` or `nifti/<file name>`.
        public var key: String
        public var kind: String
        /// Folder of its outputs and `results.json`, relative to the output folder.
        public var folder: String
        /// Nil when processed; the reason otherwise.
        public var error: String?
        /// The series verdict in words (processed series only).
        public var statement: String?
        /// Files written, relative to the output folder (processed series only).
        public var outputs: [String]
    }

    /// A file that holds no usable image, with the reason.
    public struct SkippedFile: Sendable, Equatable, Codable {
        public var path: String
        public var reason: String
        /// True when the file is broken (unreadable, too large, no pixel data), as opposed to simply
        /// not an image (SR, PR, a text file): broken inputs count as failures.
        public var failed: Bool
    }

    /// The whole batch.
    public struct Report: Sendable, Equatable {
        public var series: [SeriesOutcome]
        public var skippedFiles: [SkippedFile]

        /// Series that failed plus broken files.
        public var failureCount: Int {
            series.filter { $0.error != nil }.count + skippedFiles.filter(\.failed).count
        }
    }

    public let options: Options
    /// Output folder, absolute.
    public let output: String
    /// The pipeline form of the options, as the processor reads them.
    public let spec: PipelineSpec
    let processor: MedVMADSeriesProcessor

    /// Checks the model folder and builds the processor; the weights load on the first series.
    public init(options: Options, output: String) throws(PipelineError) {
        self.options = options
        self.output = URL(fileURLWithPath: output).standardizedFileURL.path
        let model = URL(fileURLWithPath: options.model).standardizedFileURL.path
        for name in InferStage.requiredModelFiles where !FileManager.default.fileExists(atPath: model + "/" + name) {
            throw .inputUnavailable(path: model, reason: "no \(name) in the model folder")
        }
        let className: String
        if let given = options.className {
            className = given
        } else {
            do { className = try ModelManifest.read(modelDirectory: model).model.prompt.className } catch {
                throw .unreadableFile(path: model + "/" + ModelManifest.fileName, reason: "\(error)")
            }
        }
        spec = PipelineSpec(
            path: self.output + "/results.json", name: "medvmad infer", output: self.output,
            ingest: IngestStage(folders: []), select: SelectStage(rules: []),
            prepare: PrepareStage(axis: options.axis, window: options.window, size: 0, skipEmpty: options.skipEmpty),
            infer: InferStage(model: model, className: className, threshold: options.threshold, batchSize: max(1, options.batchSize)),
            write: WriteStage(outputs: options.formats, layout: .study), send: nil, report: ReportStage(formats: []),
            schedule: nil, execution: ExecutionSettings())
        processor = MedVMADSeriesProcessor(spec: spec)
    }

    /// The loaded model and its decision policy (loaded once, shared with the series processing).
    public func modelAndPolicy() throws -> (MedVMADInference, DecisionPolicy) {
        try processor.modelAndPolicy()
    }

    /// Finds the series and volumes in `inputs` (files or folders, searched recursively). DICOM
    /// files are grouped over all inputs together, so a series split across folders is one series.
    /// `ignoring` says which skipped files are not worth reporting (the caller's own inputs, e.g. PNG images).
    public func discover(_ inputs: [String], ignoring: (String) -> Bool = { _ in false }) throws(PipelineError)
        -> (candidates: [SeriesCandidate], skipped: [SkippedFile]) {
        let found = try SeriesDiscovery(ingest: IngestStage(folders: []), layout: .study).discover(folders: Self.distinct(inputs))
        let skipped = found.skippedFiles.filter { !ignoring($0.path) }.map {
            SkippedFile(path: $0.path, reason: $0.reason, failed: Self.isBroken(reason: $0.reason))
        }
        return (Self.uniqueFolders(found.candidates), skipped)
    }

    /// Inputs without repeats and without those inside another input folder (a file read twice
    /// would look like a duplicate slice).
    static func distinct(_ inputs: [String]) -> [String] {
        let paths = Array(Set(inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path })).sorted()
        return paths.filter { path in !paths.contains { $0 != path && path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
    }

    /// Runs every candidate; never throws for one series' problem.
    public func run(_ candidates: [SeriesCandidate], logger: Logger,
                    progress: (_ done: Int, _ total: Int, _ outcome: SeriesOutcome) -> Void = { _, _, _ in }) throws(PipelineError) -> [SeriesOutcome] {
        let modelHash = try InputFingerprint.model(spec)
        var outcomes: [SeriesOutcome] = []
        for (i, candidate) in candidates.enumerated() {
            let outcome = process(candidate, modelHash: modelHash, logger: logger)
            outcomes.append(outcome)
            progress(i + 1, candidates.count, outcome)
        }
        return outcomes
    }

    func process(_ candidate: SeriesCandidate, modelHash: String, logger: Logger) -> SeriesOutcome {
        let folder = output + "/" + candidate.outputName
        var outcome = SeriesOutcome(key: candidate.key, kind: candidate.kind.rawValue, folder: candidate.outputName, error: nil,
                                    statement: nil, outputs: [])
        // Each series starts from an empty folder: a rerun into the same output never mixes results.
        try? FileManager.default.removeItem(atPath: folder)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            outcome.error = "cannot create \(folder): \(error)"
            return outcome
        }
        if !candidate.problems.isEmpty {
            outcome.error = candidate.problems.joined(separator: "; ")
        } else {
            var jobLogger = logger
            jobLogger[metadataKey: "series"] = "\(candidate.key)"
            let job = PipelineJob(inputKey: candidate.key, kind: candidate.kind.rawValue, state: .running, fingerprint: "",
                                  modelHash: modelHash, outputFolder: candidate.outputName, inputFiles: candidate.files,
                                  rule: nil, error: nil, createdAt: Date())
            let context = JobContext(spec: spec, outputRoot: output, outputFolder: folder, inputFiles: candidate.files, attempt: 1,
                                     deadline: nil, logger: jobLogger, key: candidate.key)
            do {
                let result = try processor.process(job, context: context)
                outcome.outputs = result.outputs.map { $0.hasPrefix(output + "/") ? String($0.dropFirst(output.count + 1)) : $0 }
                outcome.statement = Self.statement(in: folder)
                return outcome
            } catch {
                outcome.error = Self.describe(error)
            }
        }
        // A failed series keeps no partial outputs that could pass for results, only the error.
        try? FileManager.default.removeItem(atPath: folder)
        let document = FailureDocument(key: candidate.key, kind: candidate.kind.rawValue, error: outcome.error ?? "",
                                       fileCount: candidate.files.count, modality: candidate.modality,
                                       seriesDescription: candidate.seriesDescription,
                                       notice: "Research software; AI generated, not for clinical use.")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicOutput.write(try encoder.encode(document), to: folder + "/results.json")
            outcome.outputs = [candidate.outputName + "/results.json"]
        } catch {
            outcome.error = (outcome.error ?? "") + "; results.json not written: \(error)"
        }
        return outcome
    }

    /// Error text without the key the processor's errors repeat (the outcome carries the key).
    static func describe(_ error: any Error) -> String {
        if case let .processingFailed(_, reason)? = error as? PipelineError { return reason }
        return String(describing: error)
    }

    /// The verdict statement a processed series' `results.json` holds.
    static func statement(in folder: String) -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/results.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["statement"] as? String
    }

    /// Skipped files that are broken inputs rather than other kinds of objects.
    static func isBroken(reason: String) -> Bool {
        if reason.hasPrefix("not DICOM") || reason.hasPrefix("not an image") { return false }
        return true
    }

    /// Output folders made distinct: two NIfTI files of the same name from different inputs get
    /// `-2`, `-3`, … so neither overwrites the other.
    static func uniqueFolders(_ candidates: [SeriesCandidate]) -> [SeriesCandidate] {
        var used = Set<String>()
        return candidates.map { candidate in
            var c = candidate
            var name = c.outputName
            var n = 2
            while used.contains(name) {
                name = c.outputName + "-\(n)"
                n += 1
            }
            used.insert(name)
            c.outputName = name
            return c
        }
    }

    /// `results.json` of a series that could not be processed.
    struct FailureDocument: Codable {
        var key: String
        var kind: String
        var error: String
        var fileCount: Int
        var modality: String?
        var seriesDescription: String?
        var outcome = "failed"
        var notice: String
    }
}
