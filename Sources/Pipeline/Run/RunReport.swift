import Foundation
import MedVMAD

/// The batch report (`report.json`, `report.csv`, `report.html`) written at the end of every run:
/// one entry per series with its state, the rule that selected it or why none did, failures,
/// outputs and — for processed series — the verdict from its `results.json`.
public struct RunReport: Sendable {
    public var spec: PipelineSpec
    public var jobs: [PipelineJob]

    public init(spec: PipelineSpec, jobs: [PipelineJob]) {
        self.spec = spec
        self.jobs = jobs
    }

    /// The verdict of a processed series, as the report shows it.
    struct Verdict: Codable {
        /// "anomaly" or "no anomaly above threshold".
        var outcome: String
        var statement: String
        var score: Double
        var threshold: Double
        var thresholdSource: String
        var thresholdDescription: String
        var pixelThreshold: Double
        var flaggedSlices: [Int]
        var analysedSlices: Int
        var window: String
    }

    struct Entry: Codable {
        var key: String
        var state: String
        var rule: String?
        var reason: String?
        var attempts: Int
        var durationSeconds: Double?
        var outputs: [String]
        /// The series' folder, relative to the output root.
        var folder: String
        var verdict: Verdict?
    }

    struct Document: Codable {
        var pipeline: String
        var notice: String
        var counts: [String: Int]
        var series: [Entry]
    }

    /// The fields of a series' `results.json` the report reads; optional so that results written by
    /// an older version (an up-to-date job not rerun) still load, without a verdict.
    struct StoredResults: Decodable {
        // The record types are those `MedVMADSeriesProcessor` writes, so the two sides cannot drift apart.
        typealias Model = ResultsDocument.ModelRecord
        typealias Window = ResultsDocument.AppliedWindowRecord
        typealias Scale = ResultsDocument.ScaleRecord
        typealias Slice = ResultsDocument.SliceRecord
        typealias Thumbnail = ResultsDocument.Thumbnail
        var outcome: String?
        var statement: String?
        var score: Double?
        var imageThreshold: DecisionThreshold?
        var pixelThreshold: DecisionThreshold?
        var heatmapScale: Scale?
        var model: Model?
        var window: Window?
        var plane: String?
        var slices: [Slice]?
        var abnormalSlices: [Int]?
        var skippedSlices: [Int]?
        var thumbnails: [Thumbnail]?
        var warnings: [String]?

        var verdict: Verdict? {
            guard let outcome, let statement, let score, let t = imageThreshold, let p = pixelThreshold, let window else { return nil }
            return Verdict(outcome: outcome, statement: statement, score: score, threshold: Double(t.value), thresholdSource: t.source.rawValue,
                           thresholdDescription: t.description, pixelThreshold: Double(p.value), flaggedSlices: abnormalSlices ?? [],
                           analysedSlices: slices?.count ?? 0,
                           window: "\(window.policy) [\(String(format: "%g", window.lower)), \(String(format: "%g", window.upper))]")
        }
    }

    /// The results of each done job, by key (absent when unreadable or from an older version).
    func storedResults(outputRoot: String) -> [String: StoredResults] {
        var out: [String: StoredResults] = [:]
        for job in jobs where job.state == .done {
            let path = outputRoot + "/" + job.outputFolder + "/results.json"
            guard let data = FileManager.default.contents(atPath: path),
                  let results = try? JSONDecoder().decode(StoredResults.self, from: data) else { continue }
            out[job.inputKey] = results
        }
        return out
    }

    /// Writes the formats the report stage asks for, atomically.
    public func write(to outputRoot: String, generated: Date = Date()) throws(PipelineError) {
        let listed = jobs.filter { spec.report.includeSkipped || $0.state != .skipped }
        let results = storedResults(outputRoot: outputRoot)
        let entries = listed.map {
            Entry(key: $0.inputKey, state: $0.state.rawValue, rule: $0.rule, reason: $0.error, attempts: $0.attempts,
                  durationSeconds: $0.duration, outputs: $0.outputList, folder: $0.outputFolder, verdict: results[$0.inputKey]?.verdict)
        }
        var counts: [String: Int] = [:]
        for job in jobs { counts[job.state.rawValue, default: 0] += 1 }
        for format in spec.report.formats {
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let document = Document(pipeline: spec.name, notice: "Research software; AI generated, not for clinical use.", counts: counts, series: entries)
                guard let data = try? encoder.encode(document) else { continue }
                try AtomicOutput.write(data, to: outputRoot + "/report.json")
            case .csv:
                var text = "key,state,rule,attempts,duration_s,outcome,score,threshold,threshold_source,flagged_slices,statement,reason\n"
                for e in entries {
                    var fields: [String] = [e.key, e.state, e.rule ?? "", "\(e.attempts)"]
                    fields.append(e.durationSeconds.map { String(format: "%.3f", $0) } ?? "")
                    if let v = e.verdict {
                        let flagged: [String] = v.flaggedSlices.map { String($0) }
                        fields += [v.outcome, String(format: "%.4f", v.score), String(format: "%.4f", v.threshold), v.thresholdSource,
                                   flagged.joined(separator: " "), v.statement]
                    } else {
                        fields += ["", "", "", "", "", ""]
                    }
                    fields.append(e.reason ?? "")
                    text += fields.map(Self.csvField).joined(separator: ",") + "\n"
                }
                try AtomicOutput.write(Data(text.utf8), to: outputRoot + "/report.csv")
            case .html:
                let html = RunHTMLReport(spec: spec, entries: entries, counts: counts, results: results, outputRoot: outputRoot,
                                         generated: generated).render()
                try AtomicOutput.write(Data(html.utf8), to: outputRoot + "/report.html")
            }
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
