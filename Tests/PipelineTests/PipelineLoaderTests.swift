import Foundation
import Testing
@testable import Pipeline

/// Pipeline files: every problem found before any study is read, at its line and column.
@Suite final class PipelineLoaderTests {
    let folder: String
    let model: String

    init() throws {
        folder = try PipelineTestSupport.temporaryFolder("loader")
        model = folder + "/model"
        try PipelineTestSupport.makeStandInModel(at: model)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func load(_ yaml: String, cores: Int = 8) -> PipelineLoadResult {
        PipelineLoader.load(yaml: yaml, path: folder + "/p.yaml", environment: PipelineTestSupport.environment(cores: cores))
    }

    /// 1-based line of the first line containing `text`, found independently of the loader.
    func line(of text: String, in yaml: String) -> Int {
        (yaml.components(separatedBy: "\n").firstIndex { $0.contains(text) } ?? -100) + 1
    }

    func base(extra: String = "", write: String = "[nifti, png]", globs: String = "") -> String {
        """
        version: 1
        name: t
        output: out
        ingest:
          folders: [in]\(globs.isEmpty ? "" : "\n  globs: \(globs)")
        select:
          - name: axial-ct
            modality: CT
            series_description: "(?i)abd"
            orientation: axial
            min_slices: 10
            where: ["SliceSpacing <= 5", "Rows >= 256"]
        prepare:
          axis: axial
          window: liver
        infer:
          model: model
          class_name: liver
          threshold: 0.4
        write:
          outputs: \(write)
        \(extra)
        """
    }

    @Test func validFileDecodesEveryStage() throws {
        let yaml = base(extra: "schedule: \"30 2 * * 1-5\"\nexecution:\n  concurrency: 2\n  blas_threads: 2\n  retries: 1\n  timeout_seconds: 60")
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let spec = try result.get()
        #expect(spec.output == folder + "/out")
        #expect(spec.ingest.folders == [folder + "/in"])
        #expect(spec.infer.model == model)
        #expect(spec.infer.threshold == 0.4)
        #expect(spec.prepare.window == .preset("liver"))
        let rule = try #require(spec.select.rules.first)
        #expect(rule.modality == ["CT"] && rule.orientation == .axial && rule.minimumSlices == 10)
        #expect(rule.conditions == [TagCondition(attribute: "SliceSpacing", op: .lessOrEqual, value: 5),
                                    TagCondition(attribute: "Rows", op: .greaterOrEqual, value: 256)])
        #expect(spec.write.outputs == [.nifti, .png])
        #expect(spec.execution == ExecutionSettings(concurrency: 2, blasThreads: 2, executor: .local, retries: 1, timeoutSeconds: 60))
        #expect(spec.schedule?.hours == [2] && spec.schedule?.daysOfWeek == Set(1...5))
    }

    @Test func malformedYAMLReportsTheLine() throws {
        // The flow sequence on the `folders` line is never closed.
        let yaml = "version: 1\nname: t\ningest:\n  folders: [a, b\nselect:\n  - name: x\n"
        let result = load(yaml)
        let error = try #require(result.errors.first)
        #expect(result.spec == nil)
        #expect(error.location?.file == folder + "/p.yaml")
        // libyaml notices the missing "]" where the next key starts (line 5) at the latest; it must
        // not blame anything before the unclosed list.
        let opened = line(of: "folders: [a, b", in: yaml)
        let reported = try #require(error.location?.line)
        #expect(reported >= opened && reported <= opened + 1, "\(result.diagnostics)")
    }

    @Test func badIndentationIsReportedAtItsLine() {
        let yaml = "version: 1\ningest:\n  folders: [in]\n   globs: [x]\n"
        let result = load(yaml)
        let error = result.errors.first
        #expect(error?.location?.line == line(of: "globs: [x]", in: yaml), "\(result.diagnostics)")
    }

    @Test func unknownKeysAreErrorsAtTheKey() {
        let yaml = base().replacingOccurrences(of: "  class_name: liver", with: "  class_name: liver\n  treshold: 0.3")
        let result = load(yaml)
        let error = result.errors.first { $0.message.contains("treshold") }
        #expect(error?.location?.line == line(of: "treshold", in: yaml))
        #expect(error?.location?.column == 3)
        #expect(error?.message.contains("did you mean 'threshold'") == true)
    }

    @Test func wrongTypesAndValuesAreReportedTogether() {
        let yaml = base(extra: "execution:\n  concurrency: two\n  executor: cloud\n  retries: -1")
        let result = load(yaml)
        let lines = Set(result.errors.compactMap { $0.location?.line })
        #expect(lines.contains(line(of: "concurrency: two", in: yaml)))
        #expect(lines.contains(line(of: "executor: cloud", in: yaml)))
        #expect(lines.contains(line(of: "retries: -1", in: yaml)))
        #expect(result.errors.count == 3, "\(result.diagnostics)")
    }

    @Test func regexConditionAndCronErrorsPointAtTheirValues() {
        var yaml = base(extra: "schedule: \"61 * * * *\"")
        yaml = yaml.replacingOccurrences(of: "\"(?i)abd\"", with: "\"(abd\"").replacingOccurrences(of: "Rows >= 256", with: "Rows => 256")
        let result = load(yaml)
        let byLine = Dictionary(grouping: result.errors) { $0.location?.line ?? 0 }
        #expect(byLine[line(of: "(abd", in: yaml)]?.first?.message.contains("regular expression") == true)
        #expect(byLine[line(of: "Rows => 256", in: yaml)] != nil)
        #expect(byLine[line(of: "61 * * * *", in: yaml)]?.first?.message.contains("minute") == true, "\(result.diagnostics)")
    }

    @Test func missingModelFilesAreErrors() throws {
        try FileManager.default.removeItem(atPath: model + "/learned.safetensors")
        let yaml = base()
        let result = load(yaml)
        let error = result.errors.first { $0.message.contains("learned.safetensors") }
        #expect(error?.location?.line == line(of: "model: model", in: yaml))
        let missing = load(base().replacingOccurrences(of: "model: model", with: "model: nowhere"))
        #expect(missing.errors.contains { $0.message.contains("does not exist") })
    }

    @Test func impossibleCombinations() {
        // DICOM outputs from NIfTI-only input.
        let segFromNifti = load(base(write: "[seg]", globs: "[\"*.nii.gz\"]"))
        #expect(segFromNifti.errors.contains { $0.message.contains("need DICOM input") })
        // Sending without anything DICOM to send.
        let send = load(base(extra: "send:\n  ae_title: PACS\n  host: localhost\n  port: 104"))
        #expect(send.errors.contains { $0.message.contains("nothing to send") })
        // An AE title longer than 16 characters.
        let ae = load(base(extra: "send:\n  ae_title: ABCDEFGHIJKLMNOPQ\n  host: localhost\n  port: 104", write: "[sc]"))
        #expect(ae.errors.contains { $0.message.contains("AE title") })
        // Oversubscribed CPU is a warning, not an error.
        let busy = load(base(extra: "execution:\n  concurrency: 2\n  blas_threads: 2"), cores: 2)
        #expect(busy.errors.isEmpty)
        #expect(busy.warnings.contains { $0.message.contains("4 threads on 2 cores") })
    }

    @Test func emptySelectionIsAnError() {
        let yaml = base().replacingOccurrences(of: "select:\n", with: "select: []\nunused:\n")
        let result = load(yaml)
        #expect(result.errors.contains { $0.message.contains("no rules") })
    }

    /// The shipped pipelines validate once their model folders exist (stand-ins here).
    @Test(arguments: ["demo.yaml", "nightly-brain-mri.yaml", "zero-shot-liver-ct.yaml", "zero-shot-breast-dbt.yaml"])
    func shippedPipelinesValidate(name: String) throws {
        let source = PipelineTestSupport.repositoryRoot + "/pipelines/" + name
        let text = try String(contentsOfFile: source, encoding: .utf8)
        let copy = folder + "/pipelines/" + name
        try FileManager.default.createDirectory(atPath: folder + "/pipelines", withIntermediateDirectories: true)
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        // Without the model folder the file must not validate.
        #expect(!PipelineLoader.load(path: copy, environment: PipelineTestSupport.environment()).errors.isEmpty)
        let modelLine = try #require(text.components(separatedBy: "\n").first { $0.contains("model:") })
        let relative = modelLine.components(separatedBy: "model:")[1].trimmingCharacters(in: .whitespaces)
        try PipelineTestSupport.makeStandInModel(at: folder + "/pipelines/" + relative)
        let result = PipelineLoader.load(path: copy, environment: PipelineTestSupport.environment())
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
    }
}
