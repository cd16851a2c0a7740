import Foundation
import Metrics
import Raster

/// Writes the report folder's tables, per-image scores and figures from finished model runs.
struct EvaluationWriter {
    let dataset: BMADDataset
    let runs: [Evaluator.ModelRun]
    let outputDirectory: String

    static let tableColumns = ["P-AUROC", "P-AUPRO", "I-AUROC", "I-AP"]
    /// The verdict columns after the paper's four: the threshold, its source, and the ratios at it.
    static let verdictColumns = ["Threshold", "Threshold source", "Sensitivity", "Specificity", "PPV", "NPV"]
    /// What a verdict cell shows without a value (the reason is stated under the table and in metrics.json).
    static let noValue = "—"

    func path(_ name: String) -> String { (outputDirectory as NSString).appendingPathComponent(name) }

    /// The four Table 1 numbers of one model, in the paper's column order.
    static func tableCells(_ e: EvaluationReport.ModelEntry) -> [String] {
        [e.pixelAuroc, e.pixelAupro, e.imageAuroc, e.imageAp].map(\.percentText)
    }

    /// The verdict cells of one model: threshold value, source, then the four ratios in percent
    /// (one decimal), "—" where there is no value.
    static func verdictCells(_ e: EvaluationReport.ModelEntry) -> [String] {
        guard let t = e.threshold else { return [String](repeating: noValue, count: verdictColumns.count) }
        return [String(format: "%.4f", Double(t.value)), t.source.rawValue]
            + e.verdictRatios.map { $0.metric.value.map { String(format: "%.1f", $0 * 100) } ?? noValue }
    }

    /// Lines naming where each model's threshold came from, and why any verdict cell is empty.
    static func verdictNotes(_ report: EvaluationReport) -> [String] {
        report.models.map { e in
            guard let t = e.threshold else {
                return "- \(e.column): \(noValue) no verdict metrics: \(e.thresholdUnavailable ?? "no threshold")."
            }
            var line = "- \(e.column): threshold \(t.summary)."
            if t.source == .validSplit { line += " The evaluated split ('\(report.split)') did not take part." }
            if let c = e.confusion { line += " TP \(c.tp), FP \(c.fp), TN \(c.tn), FN \(c.fn)." }
            let undefined = e.verdictRatios.compactMap { r in r.metric.value == nil ? "\(r.key) \(noValue) (\(r.metric.reason ?? ""))" : nil }
            if !undefined.isEmpty { line += " " + undefined.joined(separator: "; ") + "." }
            return line
        }
    }

    /// RFC 4180 quoting for fields holding a comma, quote or line break.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// `table.md`, `table.csv` and `scores.csv`.
    func writeTables(report: EvaluationReport) throws {
        let split = "\(dataset.root)/\(dataset.split)"
        var md = "# Evaluation on \(split)\n\n"
        md += "\(report.imageCount) images: \(report.normalImages) normal, \(report.abnormalImages) abnormal."
        if let c = report.classNameOverride { md += " Prompts use the class name \"\(c)\" (zero-shot when it differs from training)." }
        md += "\nPercent, one decimal (layout of the paper's Table 1). P-AUPRO is the 200-threshold MedVMAD/AnomalyCLIP number.\n\n"
        md += "Verdict columns: abnormal iff image score > threshold; sensitivity, specificity, PPV, NPV in percent.\n\n"
        md += "| Model | Profile | " + (Self.tableColumns + Self.verdictColumns).joined(separator: " | ") + " |\n"
        md += "|---|---|" + String(repeating: "---:|", count: Self.tableColumns.count) + "---:|---|"
            + String(repeating: "---:|", count: Self.verdictColumns.count - 2) + "\n"
        for e in report.models {
            md += "| \(e.column) | \(e.profile) | " + (Self.tableCells(e) + Self.verdictCells(e)).joined(separator: " | ") + " |\n"
        }
        md += "\nThresholds (never selected on '\(dataset.split)'):\n\n" + Self.verdictNotes(report).joined(separator: "\n") + "\n"
        md += "\nAlso in metrics.json: pixel AP, the exact AUPRO (`pixel_aupro_exact`), the confusion counts and how each threshold was set.\n"
        try AtomicFile.write(Data(md.utf8), to: path("table.md"))

        var csv = "model,profile," + (Self.tableColumns + Self.verdictColumns).joined(separator: ",") + "\n"
        for e in report.models {
            csv += ([e.column, e.profile] + Self.tableCells(e) + Self.verdictCells(e)).map(Self.csvField).joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: path("table.csv"))

        // Scores as Float's shortest round-trip text, so a reader recomputes exactly what was ranked.
        var scores = (["path", "label"] + runs.map(\.entry.column)).map(Self.csvField).joined(separator: ",") + "\n"
        for (i, item) in dataset.items.enumerated() {
            scores += ([item.imagePath, "\(item.label)"] + runs.map { "\($0.scores[i])" }).map(Self.csvField).joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(scores.utf8), to: path("scores.csv"))
    }

    /// The heat-map grid and the image-level ROC and PR plots; returns the files written.
    func writeFigures(sampleIndices: [Int], cellSize: Int) throws -> [String] {
        var written: [String] = []
        if !sampleIndices.isEmpty {
            let grid = try heatmapGrid(sampleIndices: sampleIndices, cellSize: cellSize)
            try PNGFile.write(grid, to: path("heatmaps.png"))
            written.append("heatmaps.png")
        }
        let labels = dataset.items.map { $0.label == 1 }
        let curves = runs.enumerated().compactMap { k, run in
            ImageCurves(scores: run.scores, labels: labels).map { (k, run, $0) }
        }
        if !curves.isEmpty {
            // Every second model dashed: curves of several models often coincide in parts.
            let palette = RGBColor.seriesPalette
            let roc = curves.map { k, run, c in
                LinePlot.Series(name: "\(run.entry.column) (AUROC \(run.entry.imageAuroc.percentText))",
                                x: c.falsePositiveRate, y: c.truePositiveRate, color: palette[k % palette.count], dashed: k % 2 == 1)
            }
            let pr = curves.map { k, run, c in
                LinePlot.Series(name: "\(run.entry.column) (AP \(run.entry.imageAp.percentText))",
                                x: c.precisionRecallSteps.recall, y: c.precisionRecallSteps.precision, color: palette[k % palette.count],
                                dashed: k % 2 == 1)
            }
            let where_ = "\(dataset.split), \(dataset.items.count) images"
            try PNGFile.write(try LinePlot.roc(title: "Image-level ROC (\(where_))", curves: roc).render(width: 560, height: 480), to: path("roc.png"))
            try PNGFile.write(try LinePlot.precisionRecall(title: "Image-level precision-recall (\(where_))", curves: pr).render(width: 560, height: 480),
                              to: path("pr.png"))
            written += ["roc.png", "pr.png"]
        }
        return written
    }

    /// Rows: image | heat map per model | ground truth. One colour scale for every model and image:
    /// the range of all maps of all models on the split, printed in the title and the legend.
    /// Neither 0 nor the theoretical top (the number of summed levels) is a useful end: the summed
    /// maps sit in a narrow band well inside [0, levels], so a scale from 0 paints every panel one
    /// colour. The range is a display choice only: no metric depends on it and it uses no labels.
    func heatmapGrid(sampleIndices: [Int], cellSize: Int) throws -> ByteImage {
        let lo = Float(runs.compactMap(\.entry.mapMinimum).min() ?? 0)
        let hi = Float(runs.compactMap(\.entry.mapMaximumObserved).max() ?? 1)
        let scale = hi > lo ? try ColorScale(lo: lo, hi: hi) : try ColorScale(lo: lo, hi: lo + 1)
        let renderer = HeatmapRenderer(colormap: .jet, scale: scale, alpha: 0.6)
        let panel = RGBColor(gray: 48)
        var rows: [[ByteImage]] = [], rowTitles: [String] = []
        for i in sampleIndices {
            let item = dataset.items[i]
            let image: ByteImage
            do { image = try PNGFile.read(item.imagePath) } catch {
                throw MedVMADError.invalidData(path: item.imagePath, reason: "cannot read image: \(error)")
            }
            // Square cells show the geometry the model sees (images are resized to S×S).
            let shown = try image.converted(to: .rgb).resized(width: cellSize, height: cellSize, filter: .bicubic)
            var row = [shown]
            for run in runs {
                guard let map = run.sampleMaps[i] else { continue }
                let m = try FloatImage(width: run.mapSize, height: run.mapSize, values: map)
                    .resized(width: cellSize, height: cellSize, filter: .bilinear)
                row.append(try renderer.overlay(map: m, on: shown))
            }
            row.append(try groundTruth(item, cellSize: cellSize))
            rows.append(row)
            let stem = ((item.imagePath as NSString).lastPathComponent as NSString).deletingPathExtension
            rowTitles.append("\(item.label == 1 ? "abnormal" : "normal") \(stem.prefix(12))")
        }
        let grid = PanelGrid(
            title: "Anomaly maps, one scale for all: \(NumberText.fixed(Double(scale.lo), decimals: 2)) to \(NumberText.fixed(Double(scale.hi), decimals: 2)) (range on this split)",
            columnTitles: ["image"] + runs.map(\.entry.column) + ["ground truth"], rowTitles: rowTitles, rows: rows,
            cellWidth: cellSize, cellHeight: cellSize, spacing: 6, filter: .nearest, background: panel)
        let legend = Legend(colormap: renderer.colormap, scale: scale, title: "map", decimals: 2, background: panel)
        return try legend.appended(to: try grid.render())
    }

    /// The mask at cell size, nearest-neighbour so it stays binary; black for normal images without one.
    func groundTruth(_ item: BMADDataset.Item, cellSize: Int) throws -> ByteImage {
        guard let maskPath = item.maskPath else { return try ByteImage(width: cellSize, height: cellSize, mode: .rgb, filledWith: .black) }
        let mask: ByteImage
        do { mask = try PNGFile.read(maskPath) } catch {
            throw MedVMADError.invalidData(path: maskPath, reason: "cannot read mask: \(error)")
        }
        var grey = mask.converted(to: .gray)
        for k in grey.pixels.indices { grey.pixels[k] = grey.pixels[k] > 0 ? 255 : 0 }
        return try grey.resized(width: cellSize, height: cellSize, filter: .nearest).converted(to: .rgb)
    }
}
