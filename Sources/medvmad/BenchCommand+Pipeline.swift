import ArgumentParser
import CLIP
import Checkpoint
import Foundation
import Logging
import MedVMAD
import Pipeline
import Tensor

/// The bench figures that go through files: start-up from a safetensors folder, and a whole pipeline
/// run on sample data with a full-size model.
extension BenchCommand {
    /// A model folder with random full-size weights, as a user's folder would be laid out: the CLIP
    /// backbone as `config.json` + `model.safetensors`, and a MedVMAD model folder naming it by hash.
    struct ScratchModel {
        let root: String
        var clipFolder: String { (root as NSString).appendingPathComponent("clip") }
        var modelFolder: String { (root as NSString).appendingPathComponent("model") }

        static func write(weights: CLIPWeights, config: CLIPConfig, under parent: String?) throws -> ScratchModel {
            let base = parent ?? NSTemporaryDirectory()
            let root = (base as NSString).appendingPathComponent("medvmad-bench-\(getpid())")
            let made = ScratchModel(root: root)
            try FileManager.default.createDirectory(atPath: made.clipFolder, withIntermediateDirectories: true)
            let json = try JSONSerialization.data(withJSONObject: config.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: (made.clipFolder as NSString).appendingPathComponent("config.json")), options: .atomic)
            try SafetensorsWriter.write(weights.huggingFaceTensors(), metadata: ["format": "pt", "note": "random weights, not pretrained"],
                                        to: (made.clipFolder as NSString).appendingPathComponent("model.safetensors"))
            let checkpoint = try CLIPCheckpoint.load(path: made.clipFolder)
            let mconfig = MedVMADConfig.Profile.medvmad.config(clip: config)
            let ids = try MedVMADModel.promptIds(for: mconfig.prompt, contextLength: config.text.contextLength, tokenizer: try CLIPTokenizer())
            let model = try MedVMADModel(config: mconfig, clipWeights: checkpoint.weights, clipConfig: config, promptIds: ids)
            model.params.initialise(seed: 111)
            let manifest = ModelManifest(
                formatVersion: ModelManifest.currentFormat, name: "bench", description: "random full-size weights for medvmad bench",
                model: mconfig, clip: try .init(describing: checkpoint),
                provenance: .init(software: "medvmad \(medvmadVersion)", createdAt: ISO8601DateFormatter().string(from: Date()),
                                  trainingData: nil, trainingImages: nil, epochsCompleted: 0, seed: 111, notes: "not trained"))
            try model.save(modelDirectory: made.modelFolder, manifest: manifest)
            return made
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Start-up: the CLIP weights from `model.safetensors` (memory-mapped), and the whole model
    /// folder as `infer` and `run` load it (SHA-256 check of the weights, learned parameters, text
    /// features computed once).
    func startupFigures(_ scratch: ScratchModel, into figures: inout [String: Any]) throws {
        // Best of two: the first read may come from disk rather than the page cache, which measures
        // the disk, not the loader.
        var clipBest = Double.infinity, modelBest = Double.infinity
        for _ in 0..<2 {
            var t = Date()
            do { _ = try CLIPCheckpoint.load(path: scratch.clipFolder) }
            clipBest = min(clipBest, Date().timeIntervalSince(t))
            t = Date()
            do { _ = try MedVMADInference.load(modelDirectory: scratch.modelFolder) }
            modelBest = min(modelBest, Date().timeIntervalSince(t))
        }
        figures["startup_clip_weights_seconds"] = clipBest
        figures["startup_model_folder_seconds"] = modelBest
        if !json {
            print(String(format: "start-up: CLIP weights from safetensors %.2f s; whole model folder (hash check, text features) %.2f s", clipBest, modelBest))
        }
    }

    /// Runs the pipeline file's own inputs and settings with the random full-size model in place of
    /// its model, into a scratch output folder, and splits the wall time into the model's share and
    /// the rest (reading, slicing, writing outputs and the report, bookkeeping).
    func pipelineFigures(_ scratch: ScratchModel, into figures: inout [String: Any]) throws {
        var spec = try PipelineCommandSupport.load(pipelineFile)
        spec.infer.model = scratch.modelFolder
        spec.send = nil
        spec.infer.threshold = nil
        let output = (scratch.root as NSString).appendingPathComponent("pipeline-output")
        let processor = MedVMADSeriesProcessor(spec: spec)
        var logger = Logger(label: "medvmad.bench")
        logger.logLevel = .warning
        let runner = try PipelineRunner(spec: spec, outputRoot: output, processor: processor, logger: logger, interactiveProgress: false)
        Memory.resetPeak()
        let started = Date()
        let summary = try runner.run()
        let wall = Date().timeIntervalSince(started)
        let timing = processor.timingSoFar
        guard timing.slices > 0 else {
            throw ValidationError("the pipeline \(pipelineFile) scored no slices (\(summary.line)); nothing to measure")
        }
        // Loading the model happens once per run, whatever its size; it is reported as start-up.
        let work = wall - timing.modelLoadSeconds
        let outside = max(0, work - timing.modelSeconds)
        figures["pipeline_file"] = pipelineFile
        figures["pipeline_series"] = summary.line
        figures["pipeline_slices"] = timing.slices
        figures["pipeline_wall_seconds"] = wall
        figures["pipeline_model_load_seconds"] = timing.modelLoadSeconds
        figures["pipeline_seconds_per_slice"] = work / Double(timing.slices)
        figures["pipeline_model_seconds_per_slice"] = timing.modelSeconds / Double(timing.slices)
        figures["pipeline_outside_model_share"] = outside / work
        let peak = Memory.peakResidentMB()
        figures["pipeline_peak_rss_mb"] = peak
        if !json {
            print(String(format: "pipeline %@ (%@): %d slices, %.2f s/slice (model %.2f s/slice), %.1f %% of the time outside the model; model load %.1f s once; peak %.0f MB",
                         pipelineFile, summary.line, timing.slices, work / Double(timing.slices), timing.modelSeconds / Double(timing.slices),
                         100 * outside / work, timing.modelLoadSeconds, peak))
        }
    }
}

/// Resident memory of this process, per figure: Linux lets a process reset its high-water mark.
enum Memory {
    /// Resets the peak resident size (`VmHWM`) to the current one, so the next reading is this figure's.
    static func resetPeak() {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", f)
        fclose(f)
    }

    /// Peak resident memory in MB since start or since the last `resetPeak`.
    static func peakResidentMB() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kb / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
