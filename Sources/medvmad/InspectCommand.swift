import ArgumentParser
import Foundation
import Pipeline

/// `medvmad inspect FILE`: a dry run of discovery and selection.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect",
        abstract: "Show which series a pipeline would process and why each other series is not selected; processes nothing.")

    @Argument(help: "Pipeline file (YAML).") var file: String
    @Option(name: .customLong("input"), help: "Input folder (repeatable); replaces ingest.folders.") var inputs: [String] = []

    func run() throws {
        let spec = try PipelineCommandSupport.load(file)
        let found: SeriesDiscovery.Result
        do {
            found = try SeriesDiscovery(ingest: spec.ingest, layout: spec.write.layout)
                .discover(folders: inputs.isEmpty ? spec.ingest.folders : inputs.map { URL(fileURLWithPath: $0).path })
        } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
        let selector = SeriesSelector(spec.select)
        var selected = 0
        for candidate in found.candidates {
            let outcome = selector.select(candidate)
            if outcome.ruleName != nil { selected += 1 }
            let slices = candidate.numbers["SliceCount"].map { "\(Int($0)) slices" } ?? "? slices"
            let facts = [candidate.modality, candidate.orientation?.rawValue, slices, candidate.seriesDescription.map { "\"\($0)\"" }]
                .compactMap { $0 }.joined(separator: ", ")
            print("\(candidate.key)\n    \(facts)\n    \(outcome.summary)")
            for problem in candidate.problems { print("    problem: \(problem)") }
        }
        print("\(found.candidates.count) series, \(selected) selected; \(found.skippedFiles.count) files skipped")
    }
}
