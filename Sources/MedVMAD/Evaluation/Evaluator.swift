import Foundation
import Metrics
import Raster
import Tensor

/// Evaluates one or more models on a BMAD split the way the paper reports it (Table 1: pixel AUROC,
/// pixel AUPRO, image AUROC, image AP) and writes the report folder.
///
/// Protocol: every image of the split is scored once per model; nothing is tuned or selected on
/// the split (no per-set normalisation, figure samples chosen by position only). The verdict
/// threshold comes from `Options.thresholds` (`ThresholdPlan`): by hand, measured on the normals
/// of another split (normally `valid`), or the model's stored calibration — never the evaluated split.
/// Pixel metrics are computed at the model's resolution S×S against masks resized as training
/// resizes them (`BMADDataset.sample`).
///
/// Memory: pixel AUROC/AP stream through `PixelRankingAccumulator`; AUPRO needs the maps' range
/// before it can count, so each map is also appended to a float32 file in a temporary folder
/// (`MapStore`) and a second pass reads them back one by one — the model runs once. The exact
/// AUPRO holds all maps in memory and is computed only up to `Options.exactAuproPixelLimit` pixels.
public struct Evaluator: Sendable {
    public struct Options: Sendable {
        /// Images per forward pass.
        public var batchSize: Int
        /// Abnormal and normal images shown in the heat-map figure (spread evenly over the split).
        public var figureAbnormalCount: Int
        public var figureNormalCount: Int
        /// Total pixels (images × S²) above which the in-memory exact AUPRO is skipped.
        public var exactAuproPixelLimit: Int
        /// Where the temporary map files go (default: the system temporary folder).
        public var temporaryDirectory: String?
        /// Side of one figure cell in pixels.
        public var figureCellSize: Int
        /// Where each model's verdict threshold comes from.
        public var thresholds: ThresholdPlan

        public init(batchSize: Int = 8, figureAbnormalCount: Int = 3, figureNormalCount: Int = 2,
                    exactAuproPixelLimit: Int = 20_000_000, temporaryDirectory: String? = nil, figureCellSize: Int = 160,
                    thresholds: ThresholdPlan = ThresholdPlan()) {
            self.thresholds = thresholds
            self.batchSize = max(1, batchSize)
            self.figureAbnormalCount = max(0, figureAbnormalCount)
            self.figureNormalCount = max(0, figureNormalCount)
            self.exactAuproPixelLimit = exactAuproPixelLimit
            self.temporaryDirectory = temporaryDirectory
            self.figureCellSize = max(32, figureCellSize)
        }
    }

    /// One model's results on the split.
    public struct ModelRun: Sendable {
        public var entry: EvaluationReport.ModelEntry
        /// One score per dataset item, in dataset order.
        public var scores: [Float]
        /// Maps (S×S) of the figure samples, by dataset index.
        public var sampleMaps: [Int: [Float]]
        public var mapSize: Int
        public var mapMaximum: Float
    }

    public let dataset: BMADDataset
    public let options: Options

    public init(dataset: BMADDataset, options: Options = Options()) {
        self.dataset = dataset
        self.options = options
    }

    /// Dataset indices shown in the figures: abnormal first, then normal, evenly spaced in dataset order.
    public var figureSampleIndices: [Int] {
        func spread(_ idx: [Int], _ k: Int) -> [Int] {
            guard k > 0, !idx.isEmpty else { return [] }
            if idx.count <= k { return idx }
            return (0..<k).map { idx[($0 * idx.count + idx.count / (2 * k)) / k] }
        }
        let abnormal = dataset.items.indices.filter { dataset.items[$0].label == 1 }
        let normal = dataset.items.indices.filter { dataset.items[$0].label == 0 }
        return spread(abnormal, options.figureAbnormalCount) + spread(normal, options.figureNormalCount)
    }

    /// Evaluates every model and writes `metrics.json`, `table.md`, `table.csv`, `scores.csv` and the
    /// figures into `outputDirectory`. `progress` gets one line per step.
    public func run(models: [MedVMADInference], classNameOverride: String? = nil, outputDirectory: String,
                    progress: (String) -> Void = { _ in }) throws -> EvaluationReport {
        guard !models.isEmpty else { throw MedVMADError.invalidInput(reason: "no model to evaluate") }
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
            throw MedVMADError.ioFailure(path: outputDirectory, reason: "cannot create the report folder: \(error.localizedDescription)")
        }
        let tempRoot = options.temporaryDirectory ?? NSTemporaryDirectory()
        let temp = (tempRoot as NSString).appendingPathComponent("medvmad-eval-\(getpid())-\(UUID().uuidString.prefix(8))")
        do { try fm.createDirectory(atPath: temp, withIntermediateDirectories: true) } catch {
            throw MedVMADError.ioFailure(path: temp, reason: "cannot create a temporary folder: \(error.localizedDescription)")
        }
        defer { try? fm.removeItem(atPath: temp) }
        // Checked before any model runs: a plan that would select on the evaluated split fails here.
        let (calibrationSet, calibrationNote) = try options.thresholds.calibrationSet(evaluating: dataset, modelCount: models.count)
        let labels = dataset.items.map(\.label)

        var runs: [ModelRun] = []
        var used = Set<String>()
        for (k, model) in models.enumerated() {
            var column = model.manifest.name.isEmpty ? "model\(k + 1)" : model.manifest.name
            if used.contains(column) { column += "#\(k + 1)" }
            used.insert(column)
            progress("evaluating \(column) (\(model.modelDirectory)) on \(dataset.items.count) images")
            var run = try evaluate(model, column: column, temporaryDirectory: temp, index: k)
            var calibrationScores: [Float]? = nil
            if let calibrationSet {
                progress("scoring \(calibrationSet.items.count) normal images of \(calibrationSet.description) for \(column)'s threshold")
                calibrationScores = try scores(of: calibrationSet.items, model: model, column: column)
            }
            let resolution = try options.thresholds.resolve(index: k, model: model, evaluating: dataset, set: calibrationSet,
                                                            scores: calibrationScores, note: calibrationNote)
            try run.entry.setVerdicts(resolution, scores: run.scores, labels: labels)
            switch resolution {
            case .threshold(let t): progress("\(column): verdict threshold \(t.summary)")
            case .unavailable(let why): progress("\(column): no verdict metrics: \(why)")
            }
            runs.append(run)
        }
        let writer = EvaluationWriter(dataset: dataset, runs: runs, outputDirectory: outputDirectory)
        let figures = try writer.writeFigures(sampleIndices: figureSampleIndices, cellSize: options.figureCellSize)
        let report = EvaluationReport(
            formatVersion: 1, software: "medvmad", createdAt: ISO8601DateFormatter().string(from: Date()),
            data: dataset.root, split: dataset.split, classNameOverride: classNameOverride,
            imageCount: dataset.items.count, normalImages: dataset.normalCount, abnormalImages: dataset.abnormalCount,
            protocolNotes: Self.protocolNotes(exactLimit: options.exactAuproPixelLimit, split: dataset.split),
            models: runs.map(\.entry), figures: figures)
        try writer.writeTables(report: report)
        try AtomicFile.write(try report.encoded(), to: (outputDirectory as NSString).appendingPathComponent("metrics.json"))
        return report
    }

    static func protocolNotes(exactLimit: Int, split: String) -> [String] {
        [
            "every image of the split is scored once; no threshold or setting is selected on it",
            "verdict threshold per model, in order: --threshold by hand; else the ConformalThreshold order statistic of the normal scores of a held-out split of the data folder ('valid' when present, never \(split == "test" ? "'test'" : "'\(split)' or 'test'")); else the model folder's calibration.json (not if measured on '\(split)'); else no verdict metrics",
            "sensitivity, specificity, ppv, npv: image verdicts (abnormal iff score > threshold) against the labels; null with the reason in verdict_undefined when a denominator is zero",
            "pixel metrics at the model resolution S×S; masks resized with the training mask filter and binarised at 0.5",
            "pixel_auroc, pixel_ap: exact over all pixels of all images (normal images contribute negatives)",
            "pixel_aupro: MedVMAD/AnomalyCLIP cal_pro_score (200 thresholds over the maps' range, FPR < 0.3, FPR rescaled min-max)",
            "pixel_aupro_exact: exact per-region integral to FPR 0.3 divided by 0.3; computed up to \(exactLimit) pixels",
            "maps stored once as float32 in a temporary folder for the second AUPRO pass, then removed",
            "image_auroc, image_ap: one image score per image (the model's image score)",
        ]
    }

    /// Runs one model over the split (first pass: scores, pixel ranking, map range), then the
    /// second AUPRO pass over the stored maps.
    public func evaluate(_ model: MedVMADInference, column: String, temporaryDirectory: String, index: Int = 0) throws -> ModelRun {
        let start = Date()
        let s = model.imageSize
        let items = dataset.items
        let samples = Set(figureSampleIndices)
        let store = try MapStore(directory: temporaryDirectory, name: "model\(index)", plane: s * s)
        var ranking = PixelRankingAccumulator()
        var scores: [Float] = []
        var sampleMaps: [Int: [Float]] = [:]
        for begin in stride(from: 0, to: items.count, by: options.batchSize) {
            let batch = Array(begin..<min(begin + options.batchSize, items.count))
            var pixels: [Tensor] = [], masks: [Tensor] = []
            for i in batch {
                let (p, m) = try BMADDataset.sample(items[i], preprocessor: model.preprocessor)
                pixels.append(p)
                masks.append(m)
            }
            let results = try model.infer(pixels: Tensor.stack(pixels))
            for (j, r) in results.enumerated() {
                let i = batch[j], item = items[i]
                let mask = try Self.binaryMask(masks[j], mapSize: r.size, mapCount: r.map.count, item: item)
                do { try ranking.add(map: r.map, mask: mask, height: r.size, width: r.size) } catch let e as MetricsError {
                    throw MedVMADError.invalidData(path: item.imagePath, reason: "model \(column): \(e)")
                }
                guard r.score.isFinite else {
                    throw MedVMADError.invalidData(path: item.imagePath, reason: "model \(column): image score is \(r.score)")
                }
                try store.append(map: r.map, mask: mask)
                scores.append(r.score)
                if samples.contains(i) { sampleMaps[i] = r.map }
            }
        }
        try store.finishWriting()
        let pixel = ranking.result()
        let range = ranking.range

        var pro = PROAccumulator(thresholds: PROThresholds(range: range))
        try store.forEach { i, map, mask in
            do { try pro.add(map: map, mask: mask, height: s, width: s) } catch let e as MetricsError {
                throw MedVMADError.invalidData(path: items[i].imagePath, reason: "model \(column), AUPRO pass: \(e)")
            }
        }
        let aupro = try pro.curve().aupro()
        let exact: ReportedMetric
        if items.count * s * s <= options.exactAuproPixelLimit {
            let all = try store.readAll()
            exact = ReportedMetric(try ExactPRO.aupro(maps: all.maps, masks: all.masks, imageCount: items.count, height: s, width: s))
        } else {
            exact = .notComputed("\(items.count * s * s) pixels exceed the in-memory limit of \(options.exactAuproPixelLimit)")
        }
        let image = try RankingMetrics.evaluate(scores: scores, labels: items.map { $0.label == 1 }, kind: .images)
        let m = model.manifest
        // `load(className:)` rewrites the prompt in the manifest it returns; the folder keeps the trained one.
        let trained = (try? ModelManifest.read(modelDirectory: model.modelDirectory))?.model.prompt.className ?? m.model.prompt.className
        let entry = EvaluationReport.ModelEntry(
            column: column, directory: model.modelDirectory, manifestName: m.name, profile: m.model.profile,
            clipSha256: m.clip.sha256, className: model.model.config.prompt.className, trainedClassName: trained,
            epochsCompleted: m.provenance.epochsCompleted, imageSize: s, mapMaximum: Double(model.mapMaximum),
            mapMinimum: range.isEmpty ? nil : Double(range.minimum), mapMaximumObserved: range.isEmpty ? nil : Double(range.maximum),
            imageAuroc: ReportedMetric(image.auroc), imageAp: ReportedMetric(image.averagePrecision),
            pixelAuroc: ReportedMetric(pixel.auroc), pixelAp: ReportedMetric(pixel.averagePrecision),
            pixelAupro: ReportedMetric(aupro), pixelAuproExact: exact, seconds: Date().timeIntervalSince(start))
        return ModelRun(entry: entry, scores: scores, sampleMaps: sampleMaps, mapSize: s, mapMaximum: model.mapMaximum)
    }

    /// Image scores of `items` with the evaluation's own preprocessing and batching (for a
    /// threshold measured on another split, so both sides are scored alike).
    func scores(of items: [BMADDataset.Item], model: MedVMADInference, column: String) throws -> [Float] {
        var scores: [Float] = []
        scores.reserveCapacity(items.count)
        for begin in stride(from: 0, to: items.count, by: options.batchSize) {
            let batch = items[begin..<min(begin + options.batchSize, items.count)]
            let pixels = try batch.map { try BMADDataset.sample($0, preprocessor: model.preprocessor).pixels }
            for (item, r) in zip(batch, try model.infer(pixels: Tensor.stack(pixels))) {
                guard r.score.isFinite else {
                    throw MedVMADError.invalidData(path: item.imagePath, reason: "model \(column): image score is \(r.score)")
                }
                scores.append(r.score)
            }
        }
        return scores
    }

    /// The mask as 0/1 bytes, after checking it has the map's size (an error names the mask file).
    static func binaryMask(_ mask: Tensor, mapSize: Int, mapCount: Int, item: BMADDataset.Item) throws -> [UInt8] {
        guard mapCount == mapSize * mapSize else {
            throw MedVMADError.invalidData(path: item.imagePath, reason: "anomaly map has \(mapCount) values, not \(mapSize)×\(mapSize)")
        }
        guard mask.count == mapCount else {
            let dims = mask.shape.map(String.init).joined(separator: "×")
            throw MedVMADError.invalidData(path: item.maskPath ?? item.imagePath,
                                           reason: "mask is \(dims) at the model's input but the anomaly map is \(mapSize)×\(mapSize); pixel metrics need equal sizes")
        }
        return mask.data.map { $0 > 0.5 ? 1 : 0 }
    }
}
