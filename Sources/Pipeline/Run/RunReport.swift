import Foundation

/// The batch report (`report.json`, `report.csv`) written at the end of every run: one entry per
/// series with its state, the rule that selected it or why none did, failures and outputs.
public struct RunReport: Sendable {
    public var spec: PipelineSpec
    public var jobs: [PipelineJob]

    public init(spec: PipelineSpec, jobs: [PipelineJob]) {
        self.spec = spec
        self.jobs = jobs
    }

    struct Entry: Codable {
        var key: String
        var state: String
        var rule: String?
        var reason: String?
        var attempts: Int
        var durationSeconds: Double?
        var outputs: [String]
    }

    struct Document: Codable {
        var pipeline: String
        var notice: String
        var counts: [String: Int]
        var series: [Entry]
    }

    /// Writes the formats the report stage asks for, atomically.
    public func write(to outputRoot: String) throws(PipelineError) {
        let listed = jobs.filter { spec.report.includeSkipped || $0.state != .skipped }
        let entries = listed.map {
            Entry(key: $0.inputKey, state: $0.state.rawValue, rule: $0.rule, reason: $0.error, attempts: $0.attempts,
                  durationSeconds: $0.duration, outputs: $0.outputList)
        }
        var counts: [String: Int] = [:]
        for job in jobs { counts[job.state.rawValue, default: 0] += 1 }
        for format in spec.report.formats {
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let document = Document(pipeline: spec.name, notice: "Research software; not for clinical use.", counts: counts, series: entries)
                guard let data = try? encoder.encode(document) else { continue }
                try AtomicOutput.write(data, to: outputRoot + "/report.json")
            case .csv:
                var text = "key,state,rule,attempts,duration_s,reason\n"
                for e in entries {
                    let fields = [e.key, e.state, e.rule ?? "", "\(e.attempts)", e.durationSeconds.map { String(format: "%.3f", $0) } ?? "", e.reason ?? ""]
                    text += fields.map(Self.csvField).joined(separator: ",") + "\n"
                }
                try AtomicOutput.write(Data(text.utf8), to: outputRoot + "/report.csv")
            }
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
