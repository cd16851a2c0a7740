import ArgumentParser
import Foundation
import MedVMAD
import Raster
import Tensor

/// `medvmad infer` for PNG images and folders of them.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "Score images with a model folder: anomaly maps, heatmaps, image scores.")

    @Option(help: "Model folder (medvmad.json + learned.safetensors).") var model: String
    @Option(help: "Output folder.") var output: String
    @Option(help: "Organ or object name for the prompts (zero-shot use on another organ).") var className: String?
    @Option(help: "Images per batch.") var batchSize = 8
    @Option(help: "CPU threads for BLAS and elementwise work.") var threads: Int?
    @Option(help: "MVFA few-shot mode: folder of normal support images (PNG); maps are fused over all inputs.") var fewShotNormals: String?
    @Option(help: "Support images taken (by file name) from --few-shot-normals.") var shots = 4
    @Argument(help: "PNG files or folders of PNG files.") var inputs: [String]

    func run() throws {
        Terminal.configureThreads(threads)
        let files = try collect()
        guard !files.isEmpty else { throw ValidationError("no PNG images found in \(inputs.joined(separator: ", "))") }
        let engine = try MedVMADInference.load(modelDirectory: model, className: className)
        if let fewShotNormals {
            // Min–max fusion over the set being scored: a first pass over every input.
            let supports = try MVFAFewShotFusion.supports(directory: fewShotNormals, shots: shots, model: engine.model)
            let pre = engine.preprocessor
            engine.fewShot = try MVFAFewShotFusion.measure(memory: try MVFAFewShotMemory(model: engine.model, supports: supports), count: files.count) { i in
                Tensor.stack([try pre.pixelValues(try PNGFile.read(files[i]))])
            }
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for sub in ["maps", "heatmaps"] { try FileManager.default.createDirectory(atPath: "\(output)/\(sub)", withIntermediateDirectories: true) }
        // Thresholds and the one heat-map scale from the model folder's calibration.json (or the stated defaults).
        let policy = try DecisionPolicy.load(for: engine)
        let scale = policy.scale.colorScale
        let renderer = AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: .inferno, scale: scale, alpha: 0.6), legendTitle: "anomaly")
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
            Terminal.progress(done: i + 1, total: files.count, label: "infer", detail: "", elapsed: Date().timeIntervalSince(start), final: i + 1 == files.count)
        }
        let result: [String: Any] = [
            "model": ["folder": model, "name": engine.manifest.name, "profile": engine.model.config.profile,
                      "class_name": engine.model.config.prompt.className, "clip_sha256": engine.manifest.clip.sha256],
            "heatmap_scale": ["lo": scale.lo, "hi": scale.hi, "source": policy.scale.description],
            "threshold": ["value": policy.imageThreshold.value, "source": policy.imageThreshold.source.rawValue,
                          "description": policy.imageThreshold.description],
            "pixel_threshold": ["value": policy.pixelThreshold.value, "source": policy.pixelThreshold.source.rawValue,
                                "description": policy.pixelThreshold.description],
            "images": records, "failed": failures,
            "notice": "AI generated, not for clinical use",
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]), to: "\(output)/results.json")
        print("scored \(records.count) image(s), \(failures.count) failed; results in \(output)/results.json")
        if !failures.isEmpty { throw ExitCode(3) }
    }

    /// Heatmaps of smaller images are enlarged to at least this side.
    static let minimumDisplaySide = 320

    func collect() throws -> [String] {
        var out: [String] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else { throw ValidationError("\(input): no such file or folder") }
            if isDir.boolValue {
                let e = FileManager.default.enumerator(atPath: input)
                while let f = e?.nextObject() as? String {
                    if f.lowercased().hasSuffix(".png") { out.append((input as NSString).appendingPathComponent(f)) }
                }
            } else {
                out.append(input)
            }
        }
        return out.sorted()
    }
}
