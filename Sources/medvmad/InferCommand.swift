import ArgumentParser
import Foundation
import Logging
import MedVMAD
import Pipeline
import Raster
import Tensor

/// `medvmad infer` for PNG images, DICOM series and NIfTI volumes.
///
/// PNG images give a map (.npy) and a heatmap each. DICOM files are grouped into series by Study and
/// Series Instance UID, and each series or NIfTI volume goes through the same processing as a pipeline
/// job (`InferBatch` → `MedVMADSeriesProcessor`), writing the outputs chosen by `--formats` and a
/// `results.json` into its own folder. Exit status 3 says that some series, images or files failed.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Score PNG images, DICOM series and NIfTI volumes with a model folder.",
        discussion: """
        Per DICOM series: OUTPUT/dicom/<study>/<series>/ with sc/, overlay/, seg/, nifti/, png/ (as chosen by \
        --formats) and results.json; per NIfTI file: OUTPUT/nifti/<name>/ likewise (DICOM outputs need a DICOM \
        source and are noted as not written). PNG images: OUTPUT/maps, OUTPUT/heatmaps. OUTPUT/results.json \
        lists everything. A series that fails gets a results.json with the error; the others continue. \
        Exit status: 0 all done, 3 some inputs failed.
        """)

    @Option(help: "Model folder (medvmad.json + learned.safetensors).") var model: String
    @Option(help: "Output folder.") var output: String
    @Option(help: "Outputs per DICOM series or NIfTI volume, comma-separated: sc, overlay, seg, nifti, png.")
    var formats = WriteStage.Output.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Organ or object name for the prompts (zero-shot use on another organ).") var className: String?
    @Option(help: "Analysis plane for volumes: axial, coronal or sagittal.") var axis = "axial"
    @Option(help: "Image threshold in the model's map units (default: the model's calibration).") var threshold: Double?
    @Flag(help: "Analyse background-only slices too (by default they are skipped and reported).") var keepEmpty = false
    @Option(help: "Images per batch.") var batchSize = 8
    @Option(help: "CPU threads for BLAS and elementwise work.") var threads: Int?
    @Option(help: "MVFA few-shot mode for PNG inputs: folder of normal support images (PNG); maps are fused over all PNG inputs.") var fewShotNormals: String?
    @Option(help: "Support images taken (by file name) from --few-shot-normals.") var shots = 4
    @Argument(help: "PNG files, DICOM files, NIfTI files (.nii, .nii.gz), or folders of them.") var inputs: [String]

    /// Exit status when some inputs failed (the rest were processed).
    static let someFailedExit: Int32 = 3

    func run() throws {
        Terminal.configureThreads(threads)
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            throw ValidationError("\(input): no such file or folder")
        }
        let outputs = try parseFormats()
        guard let plane = SliceAxisName(rawValue: axis) else {
            throw ValidationError("--axis must be one of \(SliceAxisName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let options = InferBatch.Options(model: model, className: className, formats: outputs, axis: plane, skipEmpty: !keepEmpty,
                                         threshold: threshold, batchSize: batchSize)
        let batch: InferBatch
        let found: (candidates: [SeriesCandidate], skipped: [InferBatch.SkippedFile])
        do {
            batch = try InferBatch(options: options, output: output)
            found = try batch.discover(inputs, ignoring: Self.isPNG)
        } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
        let images = try collectPNG()
        guard !images.isEmpty || !found.candidates.isEmpty || found.skipped.contains(where: \.failed) else {
            throw ValidationError("no PNG images, DICOM series or NIfTI volumes found in \(inputs.joined(separator: ", "))")
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for file in found.skipped where file.failed {
            // Reasons of the DICOM reader usually name the file already.
            let line = file.reason.hasPrefix(file.path) ? file.reason : "\(file.path): \(file.reason)"
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }

        let (engine, policy) = try batch.modelAndPolicy()
        if let fewShotNormals, !images.isEmpty {
            // Min–max fusion over the set being scored: a first pass over every PNG input.
            let supports = try MVFAFewShotFusion.supports(directory: fewShotNormals, shots: shots, model: engine.model)
            let pre = engine.preprocessor
            engine.fewShot = try MVFAFewShotFusion.measure(memory: try MVFAFewShotMemory(model: engine.model, supports: supports), count: images.count) { i in
                Tensor.stack([try pre.pixelValues(try PNGFile.read(images[i]))])
            }
        }
        var document: [String: Any] = [
            "model": ["folder": model, "name": engine.manifest.name, "profile": engine.model.config.profile,
                      "class_name": engine.model.config.prompt.className, "clip_sha256": engine.manifest.clip.sha256],
            "heatmap_scale": ["lo": policy.scale.lo, "hi": policy.scale.hi, "source": policy.scale.description],
            "threshold": ["value": policy.imageThreshold.value, "source": policy.imageThreshold.source.rawValue,
                          "description": policy.imageThreshold.description],
            "pixel_threshold": ["value": policy.pixelThreshold.value, "source": policy.pixelThreshold.source.rawValue,
                                "description": policy.pixelThreshold.description],
            "skipped_files": found.skipped.map { ["path": $0.path, "reason": $0.reason, "failed": $0.failed] as [String: Any] },
            "notice": "AI generated, not for clinical use",
        ]
        var failures = found.skipped.filter(\.failed).count
        if !images.isEmpty {
            let (records, failed) = try scoreImages(images, engine: engine, policy: policy)
            document["images"] = records
            document["failed"] = failed
            failures += failed.count
        }
        let series = try scoreSeries(found.candidates, batch: batch)
        document["series"] = series.map { outcome -> [String: Any] in
            var entry: [String: Any] = ["key": outcome.key, "kind": outcome.kind, "folder": outcome.folder,
                                        "results": outcome.folder + "/results.json", "status": outcome.error == nil ? "done" : "failed"]
            if let error = outcome.error { entry["error"] = error }
            if let statement = outcome.statement { entry["statement"] = statement }
            return entry
        }
        failures += series.filter { $0.error != nil }.count
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]), to: "\(output)/results.json")
        let done = series.filter { $0.error == nil }.count
        var parts = ["\(done) of \(series.count) series/volumes"]
        if !images.isEmpty { parts.append("\(images.count - ((document["failed"] as? [Any])?.count ?? 0)) of \(images.count) image(s)") }
        print("processed \(parts.joined(separator: " and ")); \(failures) failed; results in \(output)/results.json")
        if failures > 0 { throw ExitCode(Self.someFailedExit) }
    }

    func parseFormats() throws -> [WriteStage.Output] {
        var chosen: [WriteStage.Output] = []
        for name in formats.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let output = WriteStage.Output(rawValue: name) else {
                throw ValidationError("unknown format '\(name)' in --formats; known: \(WriteStage.Output.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !chosen.contains(output) { chosen.append(output) }
        }
        guard !chosen.isEmpty else { throw ValidationError("--formats names no output") }
        return chosen
    }

    /// Each series through the pipeline's processor; failures are reported and the batch continues.
    func scoreSeries(_ candidates: [SeriesCandidate], batch: InferBatch) throws -> [InferBatch.SeriesOutcome] {
        guard !candidates.isEmpty else { return [] }
        var logger = PipelineCommandSupport.logger("medvmad.infer")
        logger.logLevel = .warning
        let start = Date()
        do {
            return try batch.run(candidates, logger: logger) { done, total, outcome in
                if let error = outcome.error { FileHandle.standardError.write(Data("\(outcome.key): \(error)\n".utf8)) }
                Terminal.progress(done: done, total: total, label: "infer series", detail: "",
                                  elapsed: Date().timeIntervalSince(start), final: done == total)
            }
        } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
    }

    /// PNG images: a map (.npy) and a heatmap with the verdict each.
    func scoreImages(_ files: [String], engine: MedVMADInference, policy: DecisionPolicy) throws -> (records: [[String: Any]], failed: [[String: String]]) {
        for sub in ["maps", "heatmaps"] { try FileManager.default.createDirectory(atPath: "\(output)/\(sub)", withIntermediateDirectories: true) }
        let renderer = AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: .inferno, scale: policy.scale.colorScale, alpha: 0.6), legendTitle: "anomaly")
        var records: [[String: Any]] = []
        var failures: [[String: String]] = []
        let start = Date()
        var usedNames = Set<String>()
        for (i, file) in files.enumerated() {
            do {
                let image = try PNGFile.read(file)
                guard let r = try engine.infer(images: [image], batchSize: 1).first else { continue }
                var base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                while usedNames.contains(base) { base += "_\(i)" }
                usedNames.insert(base)
                let mapPath = "\(output)/maps/\(base).npy"
                try AtomicFile.write(NumpyFile.encode(r.map, shape: [r.size, r.size]), to: mapPath)
                // Small images are shown enlarged so the legend and captions stay readable.
                let zoom = max(1, Int((Double(Self.minimumDisplaySide) / Double(min(image.width, image.height))).rounded(.up)))
                let (w, h) = (image.width * zoom, image.height * zoom)
                let shownImage = zoom > 1 ? try image.converted(to: .rgb).resized(width: w, height: h, filter: .bicubic) : image.converted(to: .rgb)
                let map = try FloatImage(width: r.size, height: r.size, values: r.map).resized(width: w, height: h, filter: .bilinear)
                var shown = renderer
                let verdict = policy.verdict(r)
                shown.captions = VerdictFigure(policy: policy).captions(verdict)
                let heat = try shown.render(map: map, on: shownImage)
                let heatPath = "\(output)/heatmaps/\(base).png"
                try PNGFile.write(heat, to: heatPath + ".partial.png")
                guard rename(heatPath + ".partial.png", heatPath) == 0 else { throw ValidationError("cannot write \(heatPath)") }
                records.append(["image": file, "score": r.score, "map": "maps/\(base).npy", "heatmap": "heatmaps/\(base).png",
                                "map_size": r.size, "map_max": r.map.max() ?? 0,
                                "abnormal": verdict.abnormal, "flagged_pixel_fraction": verdict.flaggedPixelFraction,
                                "outcome": SeriesVerdict(slices: [verdict], threshold: policy.imageThreshold).statement])
            } catch {
                failures.append(["image": file, "error": "\(error)"])
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            }
            Terminal.progress(done: i + 1, total: files.count, label: "infer images", detail: "", elapsed: Date().timeIntervalSince(start), final: i + 1 == files.count)
        }
        return (records, failures)
    }

    /// Heatmaps of smaller images are enlarged to at least this side.
    static let minimumDisplaySide = 320

    static func isPNG(_ path: String) -> Bool { path.lowercased().hasSuffix(".png") }

    /// PNG files given directly or found in the input folders.
    func collectPNG() throws -> [String] {
        var out: [String] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else { throw ValidationError("\(input): no such file or folder") }
            if isDir.boolValue {
                let e = FileManager.default.enumerator(atPath: input)
                while let f = e?.nextObject() as? String {
                    if Self.isPNG(f) { out.append((input as NSString).appendingPathComponent(f)) }
                }
            } else if Self.isPNG(input) {
                out.append(input)
            }
        }
        return Array(Set(out)).sorted()
    }
}
