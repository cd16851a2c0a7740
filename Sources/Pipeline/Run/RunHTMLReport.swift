import Foundation

/// `report.html`: one self-contained page per run (no external resources; thumbnails embedded as
/// base64 PNG data URIs) with the run summary, every series with its verdict, the flagged slices,
/// skipped and failed series with their reasons, the windowing and the model's provenance.
///
/// Only what the job records and `results.json` files hold is shown — keys (file stems or study
/// and series UIDs), numbers and reasons — never patient names, IDs or birth dates. All text is escaped.
struct RunHTMLReport {
    let spec: PipelineSpec
    let entries: [RunReport.Entry]
    let counts: [String: Int]
    let results: [String: RunReport.StoredResults]
    let outputRoot: String
    let generated: Date

    static let notice = "AI generated, not for clinical use. Research software: findings are not diagnoses."
    /// Thumbnails larger than this are left out rather than bloating the page.
    static let maximumThumbnailBytes = 256 * 1024

    func render() -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape("medvmad report: " + spec.name))</title>
        <style>\(Self.style)</style></head><body>
        <header><h1>Anomaly report: \(Self.escape(spec.name))</h1>
        <p class="notice">\(Self.escape(Self.notice))</p>
        <p class="meta">Generated \(Self.escape(Self.timestamp(generated))) UTC</p></header>

        """
        html += summary() + model() + seriesTable() + flagged() + problems()
        html += "<footer>\(Self.escape(Self.notice))</footer>\n</body></html>\n"
        return html
    }

    func summary() -> String {
        let order = ["done", "failed", "skipped", "pending", "running"]
        let names = ["done": "processed", "failed": "failed", "skipped": "not selected", "pending": "pending", "running": "running"]
        let verdicts = entries.compactMap(\.verdict)
        let anomalies = verdicts.filter { $0.outcome == "anomaly" }.count
        var cells = "<div class=\"card\"><b>\(entries.count)</b><span>series listed</span></div>"
        for state in order + counts.keys.filter({ !order.contains($0) }).sorted() {
            guard let n = counts[state] else { continue }
            cells += "<div class=\"card \(Self.escape(state))\"><b>\(n)</b><span>\(Self.escape(names[state] ?? state))</span></div>"
        }
        cells += "<div class=\"card anomaly\"><b>\(anomalies)</b><span>with anomaly above threshold</span></div>"
        cells += "<div class=\"card normal\"><b>\(verdicts.count - anomalies)</b><span>no anomaly above threshold</span></div>"
        return "<section><h2>Run summary</h2><div class=\"cards\">\(cells)</div></section>\n"
    }

    func model() -> String {
        let m = results.values.compactMap(\.model).first
        let scale = results.values.compactMap(\.heatmapScale).first
        let threshold = results.values.compactMap(\.imageThreshold).first
        let pixel = results.values.compactMap(\.pixelThreshold).first
        var rows: [(String, String)] = [("Model folder", spec.infer.model), ("Class name", spec.infer.className)]
        if let m {
            rows += [("Model", m.name), ("Profile", m.profile ?? "model default"), ("CLIP SHA-256", m.clipSha256),
                     ("Calibration", m.calibration ?? "none (uncalibrated model)"), ("Map range", "0 to \(Self.number(m.mapMaximum))")]
        }
        if let threshold {
            rows.append(("Image threshold", "\(Self.number(Double(threshold.value))) — \(threshold.description)"))
        } else if let t = spec.infer.threshold {
            rows.append(("Image threshold", "\(Self.number(t)) — set in the pipeline file"))
        }
        if let pixel { rows.append(("Pixel threshold", "\(Self.number(Double(pixel.value))) — \(pixel.description)")) }
        if let scale { rows.append(("Heat-map scale", "\(Self.number(scale.lo)) to \(Self.number(scale.hi)): \(scale.description)")) }
        rows.append(("Preparation", "plane \(spec.prepare.axis.rawValue), window \(spec.prepare.window), skip empty slices: \(spec.prepare.skipEmpty ? "yes" : "no")"))
        let body = rows.map { "<tr><th>\(Self.escape($0.0))</th><td>\(Self.escape($0.1))</td></tr>" }.joined()
        let note = m == nil ? "<p class=\"meta\">No series was processed in this run's output, so the model's details are not known here.</p>" : ""
        return "<section><h2>Model and decision rule</h2><table class=\"kv\">\(body)</table>\(note)</section>\n"
    }

    func seriesTable() -> String {
        var rows = ""
        for e in entries {
            let v = e.verdict
            let outcome: String
            if let v {
                outcome = "<span class=\"badge \(v.outcome == "anomaly" ? "anomaly" : "normal")\">\(Self.escape(v.outcome))</span>"
            } else {
                outcome = "<span class=\"badge \(Self.escape(e.state))\">\(Self.escape(e.state == "done" ? "no verdict recorded" : e.state))</span>"
            }
            let score = v.map { Self.number($0.score) } ?? "—"
            let threshold = v.map { "\(Self.number($0.threshold)) <small>(\(Self.escape($0.thresholdSource)))</small>" } ?? "—"
            let flagged = v.map { "\($0.flaggedSlices.count) of \($0.analysedSlices)" } ?? "—"
            let detail = v?.statement ?? e.reason ?? (e.rule.map { "selected by rule \($0)" } ?? "")
            rows += "<tr><td class=\"key\">\(Self.escape(e.key))</td><td>\(outcome)</td><td class=\"num\">\(score)</td><td class=\"num\">\(threshold)</td>"
            rows += "<td class=\"num\">\(flagged)</td><td>\(Self.escape(v?.window ?? "—"))</td><td>\(Self.escape(detail))</td></tr>\n"
        }
        if entries.isEmpty { rows = "<tr><td colspan=\"7\">No series found.</td></tr>" }
        return """
        <section><h2>Series</h2><table class="list"><thead><tr><th>Series</th><th>Outcome</th><th>Score</th><th>Threshold</th>
        <th>Flagged slices</th><th>Window</th><th>Details</th></tr></thead><tbody>
        \(rows)</tbody></table></section>

        """
    }

    func flagged() -> String {
        var blocks = ""
        for e in entries {
            guard let r = results[e.key], let thumbnails = r.thumbnails, !thumbnails.isEmpty else { continue }
            let folder = outputRoot + "/" + e.folder
            let bySlice = Dictionary((r.slices ?? []).map { ($0.index, $0.verdict) }, uniquingKeysWith: { a, _ in a })
            var figures = ""
            for t in thumbnails {
                let v = bySlice[t.slice]
                let label = (t.abnormal ? "flagged" : "highest score, not flagged")
                let caption = "slice \(t.slice): \(label)" + (v.map { ", score \(Self.number(Double($0.score))), \(Self.percent($0.flaggedPixelFraction)) of pixels above \(Self.number(Double($0.pixelThreshold)))" } ?? "")
                let image = Self.dataURI(pngAt: folder + "/" + t.file)
                    .map { "<img src=\"\($0)\" alt=\"\(Self.escape("heat map of slice \(t.slice)"))\">" } ?? "<div class=\"missing\">thumbnail unavailable</div>"
                figures += "<figure class=\"\(t.abnormal ? "flag" : "")\">\(image)<figcaption>\(Self.escape(caption))</figcaption></figure>"
            }
            let flaggedCount = r.abnormalSlices?.count ?? 0
            let shownCount = thumbnails.filter(\.abnormal).count
            let more = shownCount < flaggedCount ? "<p class=\"meta\">\(flaggedCount) slices flagged; the \(shownCount) highest-scoring are shown. All slice verdicts are in results.json.</p>" : ""
            blocks += "<article><h3>\(Self.escape(e.key))</h3><p>\(Self.escape(r.statement ?? ""))</p>\(more)<div class=\"thumbs\">\(figures)</div></article>\n"
        }
        if blocks.isEmpty { blocks = "<p>No processed series with slice results.</p>" }
        return "<section><h2>Flagged slices</h2><p class=\"meta\">Heat maps on the model's fixed scale; each series also shows its highest-scoring slice.</p>\(blocks)</section>\n"
    }

    func problems() -> String {
        let failed = entries.filter { $0.state == "failed" }
        let skipped = entries.filter { $0.state == "skipped" }
        func list(_ items: [RunReport.Entry], empty: String) -> String {
            guard !items.isEmpty else { return "<p>\(Self.escape(empty))</p>" }
            return "<ul>" + items.map { "<li><span class=\"key\">\(Self.escape($0.key))</span>: \(Self.escape($0.reason ?? "no reason recorded"))</li>" }.joined() + "</ul>"
        }
        var warnings = ""
        for e in entries {
            guard let w = results[e.key]?.warnings, !w.isEmpty else { continue }
            warnings += "<li><span class=\"key\">\(Self.escape(e.key))</span><ul>" + w.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul></li>"
        }
        return """
        <section><h2>Failed series</h2>\(list(failed, empty: "None."))</section>
        <section><h2>Skipped series</h2>\(list(skipped, empty: "None."))</section>
        <section><h2>Warnings</h2>\(warnings.isEmpty ? "<p>None.</p>" : "<ul>\(warnings)</ul>")</section>

        """
    }

    /// A `data:image/png;base64,…` URI of the file, nil when it is missing, too large or not a PNG.
    static func dataURI(pngAt path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maximumThumbnailBytes,
              data.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        return "data:image/png;base64," + data.base64EncodedString()
    }

    /// HTML text and attribute escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String { String(format: "%.3f", v) }
    static func percent(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1120px;padding:16px 24px;color:#1d2330;background:#f6f7f9}
    header{border-bottom:2px solid #d0d5de;margin-bottom:12px}h1{font-size:24px;margin:8px 0}h2{font-size:18px;margin:22px 0 8px;color:#27324a}
    h3{font-size:14px;margin:10px 0 4px;word-break:break-all}.notice{background:#fff4d6;border:1px solid #e8c45a;padding:6px 10px;border-radius:4px;font-weight:600}
    .meta{color:#5b6475;font-size:13px}section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:4px 14px 12px;margin-bottom:14px}
    .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #dde1e8;border-radius:6px;padding:8px 14px;min-width:110px;background:#fafbfc}
    .card b{display:block;font-size:22px}.card span{font-size:12px;color:#5b6475}.card.failed b,.card.anomaly b{color:#b3261e}.card.normal b,.card.done b{color:#1e7b3a}
    table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e6e9ef;padding:5px 6px;text-align:left;vertical-align:top}
    table.kv th{width:170px;color:#3d4657}td.key,.key{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}td.num{text-align:right;white-space:nowrap}
    .badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;white-space:nowrap;background:#e6e9ef}
    .badge.anomaly{background:#fde2df;color:#8c1d18}.badge.normal{background:#dcf2e2;color:#1e5e30}.badge.failed{background:#fde2df;color:#8c1d18}
    .thumbs{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0;width:170px;border:1px solid #dde1e8;border-radius:4px;padding:4px;background:#fafbfc}
    figure.flag{border-color:#d9534f}figure img{width:160px;image-rendering:auto;display:block;margin:auto}figcaption{font-size:11px;color:#3d4657;margin-top:3px}
    .missing{width:160px;height:60px;color:#888;font-size:12px}footer{color:#5b6475;font-size:12px;text-align:center;margin:16px 0}
    """
}
