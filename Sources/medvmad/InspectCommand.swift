import ArgumentParser
import Foundation
import Pipeline

/// `medvmad inspect`: for a pipeline file, a dry run of discovery and selection; for DICOM and NIfTI
/// inputs, a listing of studies, series and NIfTI headers.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect",
        abstract: "Show which series a pipeline would process, or list the studies, series and NIfTI headers in DICOM/NIfTI inputs.",
        discussion: """
        One pipeline file (.yaml/.yml, or text with an ingest: section): a dry run of its discovery and selection; \
        processes nothing. Otherwise every PATH is a DICOM file, a NIfTI file or a folder of them: studies, series \
        (modality, description, slices, spacing, dropped slices, geometry problems) and NIfTI headers. Patient names \
        and IDs are shown only with --show-patient.
        """)

    @Argument(help: "A pipeline file, or DICOM/NIfTI files and folders.") var paths: [String]
    @Option(name: .customLong("input"), help: "Pipeline mode: input folder (repeatable); replaces ingest.folders.") var inputs: [String] = []
    @Flag(help: "Listing mode: show patient names and IDs.") var showPatient = false

    func run() throws {
        if paths.count == 1, Self.isPipelineFile(paths[0]) {
            try inspectPipeline(paths[0])
            return
        }
        guard inputs.isEmpty else { throw ValidationError("--input applies to a pipeline file only") }
        let inventory: InputInventory
        do { inventory = try InputInventory.scan(paths, includePatient: showPatient) } catch {
            throw PipelineCommandSupport.exitCode(for: error)
        }
        for line in inventory.lines() { print(line) }
    }

    /// A pipeline file is told by its extension, or (without one) by being text with an `ingest:` key.
    static func isPipelineFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return true }
        var isFolder: ObjCBool = false
        guard !(path as NSString).lastPathComponent.contains("."), FileManager.default.fileExists(atPath: path, isDirectory: &isFolder),
              !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64 * 1024), let text = String(data: head, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("ingest:") }
    }

    func inspectPipeline(_ file: String) throws {
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
