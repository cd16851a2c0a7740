import Foundation
import MedVMAD
import Yams

/// Decodes and checks a pipeline file before any study is read.
///
/// The YAML is composed into nodes (keeping each node's line and column), then walked by hand so
/// that unknown keys, wrong types, bad values, missing model files and impossible combinations are
/// all reported together, each at its place in the file.
public enum PipelineLoader {
    static let topKeys = ["version", "name", "output", "ingest", "select", "prepare", "infer", "write", "send", "report", "schedule", "execution"]

    /// Largest pipeline file read: real ones are a few kilobytes, and a YAML parser given an
    /// arbitrarily large (or endless, like a device) file would take memory and time to match.
    public static let maxFileBytes = 1 << 20

    /// Reads and checks the file at `path`.
    public static func load(path: String, environment: PipelineEnvironment = .current) -> PipelineLoadResult {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        // Attributes of the file a link points to: pipelines are often linked into place.
        let target = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
        if let attributes = try? FileManager.default.attributesOfItem(atPath: target) {
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            let refusal: String?
            if attributes[.type] as? FileAttributeType != .typeRegular {
                refusal = "cannot read pipeline: not a regular file"
            } else if size > maxFileBytes {
                refusal = "cannot read pipeline: the file is \(size) bytes, over the limit of \(maxFileBytes)"
            } else {
                refusal = nil
            }
            if let refusal {
                return PipelineLoadResult(path: path, spec: nil, diagnostics: [PipelineDiagnostic(.error, refusal,
                    at: SourceLocation(file: path, line: 1, column: 1))])
            }
        }
        guard let data = FileManager.default.contents(atPath: absolute), let text = String(data: data, encoding: .utf8) else {
            let why = FileManager.default.fileExists(atPath: absolute) ? "not readable UTF-8 text" : "no such file"
            return PipelineLoadResult(path: path, spec: nil, diagnostics: [PipelineDiagnostic(.error, "cannot read pipeline: \(why)",
                at: SourceLocation(file: path, line: 1, column: 1))])
        }
        return load(yaml: text, path: absolute, displayPath: path, environment: environment)
    }

    /// Checks YAML text as if it were the file at `path` (relative paths resolve against its folder).
    public static func load(yaml: String, path: String, displayPath: String? = nil, environment: PipelineEnvironment = .current) -> PipelineLoadResult {
        let shown = displayPath ?? path
        let reader = NodeReader(file: shown)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                // Placed at the file's start so that the message names the file like every other.
                reader.add(PipelineDiagnostic(.error, "the pipeline file is empty", at: SourceLocation(file: shown, line: 1, column: 1)))
                return PipelineLoadResult(path: shown, spec: nil, diagnostics: reader.diagnostics)
            }
            root = node
        } catch let error as YamlError {
            reader.add(yamlDiagnostic(error, file: shown))
            return PipelineLoadResult(path: shown, spec: nil, diagnostics: reader.diagnostics)
        } catch {
            reader.add(PipelineDiagnostic(.error, "not valid YAML: \(error)", at: SourceLocation(file: shown, line: 1, column: 1)))
            return PipelineLoadResult(path: shown, spec: nil, diagnostics: reader.diagnostics)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var builder = SpecBuilder(reader: reader, folder: folder, environment: environment)
        let spec = builder.build(root, path: path)
        let result = PipelineLoadResult(path: shown, spec: reader.diagnostics.contains { $0.severity == .error } ? nil : spec,
                                        diagnostics: reader.diagnostics)
        return result
    }

    /// A syntax error from libyaml, at the mark it gives (1-based, as Yams reports it).
    static func yamlDiagnostic(_ error: YamlError, file: String) -> PipelineDiagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let prefix = context.map { "\($0.text) (from line \($0.mark.line)): " } ?? ""
            return PipelineDiagnostic(.error, "invalid YAML: \(prefix)\(problem)", at: at(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            return PipelineDiagnostic(.error, "duplicate key(s) \(duplicates.joined(separator: ", "))", at: at(context.mark))
        default:
            return PipelineDiagnostic(.error, "invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}

/// One pass over the tree building the spec and its diagnostics.
struct SpecBuilder {
    let reader: NodeReader
    let folder: URL
    let environment: PipelineEnvironment

    init(reader: NodeReader, folder: URL, environment: PipelineEnvironment) {
        self.reader = reader
        self.folder = folder
        self.environment = environment
    }

    func resolve(_ path: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return folder.appendingPathComponent(expanded).standardizedFileURL.path
    }

    mutating func build(_ root: Node, path: String) -> PipelineSpec? {
        guard let top = reader.mapping(root, "", allowed: PipelineLoader.topKeys) else { return nil }
        func required(_ key: String) -> Node? {
            guard let node = top[key] else {
                reader.error("missing required section '\(key)'", at: root)
                return nil
            }
            return node
        }
        if let version = top["version"], let number = reader.int(version, "version"), number != 1 {
            reader.error("version: only version 1 is understood", at: version)
        }
        let name = top["name"].flatMap { reader.string($0, "name") } ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let output = top["output"].flatMap { reader.string($0, "output") }.map(resolve)
        let ingest = required("ingest").flatMap(ingestStage)
        let select = required("select").flatMap(selectStage)
        let prepare = top["prepare"].map(prepareStage) ?? PrepareStage()
        let infer = required("infer").flatMap(inferStage)
        let write = required("write").flatMap(writeStage)
        let send = top["send"].flatMap(sendStage)
        let report = top["report"].map(reportStage) ?? ReportStage()
        var schedule: CronExpression?
        if let node = top["schedule"], let text = reader.string(node, "schedule") {
            do { schedule = try CronExpression(text) } catch { reader.error("schedule: \(error.message)", at: node) }
        }
        let execution = top["execution"].map(executionSettings) ?? ExecutionSettings()

        guard let ingest, let select, let infer, let write else { return nil }
        let spec = PipelineSpec(path: path, name: name, output: output, ingest: ingest, select: select, prepare: prepare ?? PrepareStage(),
                                infer: infer, write: write, send: send, report: report ?? ReportStage(), schedule: schedule,
                                execution: execution ?? ExecutionSettings())
        checkCombinations(spec, top: top)
        return spec
    }

    // MARK: Stages

    func ingestStage(_ node: Node) -> IngestStage? {
        guard let f = reader.mapping(node, "ingest", allowed: ["folders", "globs", "inbox", "settle_seconds"]) else { return nil }
        let folders = f["folders"].flatMap { reader.strings($0, f.path("folders")) }?.map(resolve) ?? []
        let globs = f["globs"].flatMap { reader.strings($0, f.path("globs")) } ?? []
        let inbox = f["inbox"].flatMap { reader.string($0, f.path("inbox")) }.map(resolve)
        let settle = f["settle_seconds"].flatMap { reader.double($0, f.path("settle_seconds"), range: 0...86_400) } ?? 60
        if folders.isEmpty && inbox == nil {
            reader.error("ingest: give 'folders' (for run) or 'inbox' (for watch)", at: node)
        }
        for folder in folders where !FileManager.default.fileExists(atPath: folder) {
            reader.warning("ingest.folders: \(folder) does not exist (yet)", at: f["folders"])
        }
        for glob in globs where glob.isEmpty {
            reader.error("ingest.globs: empty pattern", at: f["globs"])
        }
        return IngestStage(folders: folders, globs: globs, inbox: inbox, settleSeconds: settle)
    }

    func selectStage(_ node: Node) -> SelectStage? {
        guard let sequence = node.sequence else {
            reader.error("select: expected a list of series rules, found \(reader.kind(node))", at: node)
            return nil
        }
        if sequence.isEmpty {
            reader.error("select: no rules; say which series to process (nothing is selected by default)", at: node)
        }
        var rules: [SeriesRule] = []
        var names: Set<String> = []
        for (index, item) in sequence.enumerated() {
            guard let rule = seriesRule(item, "select[\(index)]", index: index) else { continue }
            if !names.insert(rule.name).inserted {
                reader.error("select[\(index)]: rule name '\(rule.name)' is used twice", at: item)
            }
            rules.append(rule)
        }
        return SelectStage(rules: rules)
    }

    func seriesRule(_ node: Node, _ path: String, index: Int) -> SeriesRule? {
        let keys = ["name", "modality", "series_description", "image_type_contains", "image_type_excludes", "orientation", "min_slices", "where"]
        guard let f = reader.mapping(node, path, allowed: keys) else { return nil }
        var rule = SeriesRule(name: f["name"].flatMap { reader.string($0, f.path("name")) } ?? "rule-\(index + 1)")
        rule.modality = f["modality"].flatMap { reader.strings($0, f.path("modality")) }?.map { $0.uppercased() } ?? []
        if let d = f["series_description"], let pattern = reader.string(d, f.path("series_description")) {
            if (try? NSRegularExpression(pattern: pattern)) == nil {
                reader.error("\(f.path("series_description")): '\(pattern)' is not a valid regular expression", at: d)
            }
            rule.seriesDescription = pattern
        }
        rule.imageTypeContains = f["image_type_contains"].flatMap { reader.strings($0, f.path("image_type_contains")) }?.map { $0.uppercased() } ?? []
        rule.imageTypeExcludes = f["image_type_excludes"].flatMap { reader.strings($0, f.path("image_type_excludes")) }?.map { $0.uppercased() } ?? []
        rule.orientation = f["orientation"].flatMap { reader.choice($0, f.path("orientation"), SeriesOrientation.self) }
        rule.minimumSlices = f["min_slices"].flatMap { reader.int($0, f.path("min_slices"), range: 1...100_000) }
        if let w = f["where"], let texts = reader.strings(w, f.path("where")) {
            let items = w.sequence.map(Array.init) ?? [w]
            for (text, item) in zip(texts, items) {
                switch TagCondition.parse(text) {
                case .success(let condition): rule.conditions.append(condition)
                case .failure(let error): reader.error("\(f.path("where")): '\(text)': \(error.message)", at: item)
                }
            }
        }
        return rule
    }

    func prepareStage(_ node: Node) -> PrepareStage? {
        guard let f = reader.mapping(node, "prepare", allowed: ["axis", "window", "size", "skip_empty"]) else { return nil }
        var stage = PrepareStage()
        if let a = f["axis"], let axis = reader.choice(a, f.path("axis"), SliceAxisName.self) { stage.axis = axis }
        if let w = f["window"], let window = windowChoice(w, f.path("window")) { stage.window = window }
        if let s = f["size"], let size = reader.int(s, f.path("size"), range: 16...4096) { stage.size = size }
        if let e = f["skip_empty"], let skip = reader.bool(e, f.path("skip_empty")) { stage.skipEmpty = skip }
        return stage
    }

    func windowChoice(_ node: Node, _ path: String) -> WindowChoice? {
        if node.mapping != nil {
            guard let f = reader.mapping(node, path, allowed: ["center", "width", "lower_percentile", "upper_percentile"]) else { return nil }
            if let c = f["center"], let w = f["width"] {
                guard let center = reader.double(c, f.path("center")), let width = reader.double(w, f.path("width")) else { return nil }
                guard width > 0 else { reader.error("\(f.path("width")): must be positive", at: w); return nil }
                return .explicit(center: center, width: width)
            }
            if let l = f["lower_percentile"], let u = f["upper_percentile"] {
                guard let lower = reader.double(l, f.path("lower_percentile"), range: 0...100),
                      let upper = reader.double(u, f.path("upper_percentile"), range: 0...100) else { return nil }
                guard lower < upper else { reader.error("\(path): lower_percentile must be below upper_percentile", at: node); return nil }
                return .percentiles(lower: lower, upper: upper)
            }
            reader.error("\(path): give center and width, or lower_percentile and upper_percentile", at: node)
            return nil
        }
        guard let text = reader.string(node, path)?.lowercased() else { return nil }
        switch text {
        case "auto", "automatic": return .automatic
        case "header": return .header
        default:
            guard WindowChoice.presets[text] != nil else {
                let names = (["auto", "header"] + WindowChoice.presets.keys.sorted()).joined(separator: ", ")
                reader.error("\(path): unknown window '\(text)'; use one of \(names) or a mapping {center, width}", at: node)
                return nil
            }
            return .preset(text)
        }
    }

    func inferStage(_ node: Node) -> InferStage? {
        guard let f = reader.mapping(node, "infer", allowed: ["model", "profile", "class_name", "threshold", "batch_size"]) else { return nil }
        guard let m = f["model"] else {
            reader.error("infer: missing 'model' (the model folder)", at: node)
            return nil
        }
        guard let modelText = reader.string(m, f.path("model")) else { return nil }
        let model = resolve(modelText)
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: model, isDirectory: &isFolder) || !isFolder.boolValue {
            reader.error("infer.model: model folder \(model) does not exist", at: m)
        } else {
            for file in InferStage.requiredModelFiles where !FileManager.default.isReadableFile(atPath: model + "/" + file) {
                reader.error("infer.model: \(model) has no readable \(file)", at: m)
            }
        }
        var stage = InferStage(model: model, className: "")
        if let p = f["profile"], let profile = reader.string(p, f.path("profile")) {
            let known = MedVMADConfig.Profile.allCases.map(\.rawValue)
            if !known.contains(profile) {
                reader.error("infer.profile: unknown profile '\(profile)'; known: \(known.joined(separator: ", "))", at: p)
            }
            stage.profile = profile
        }
        if let c = f["class_name"], let name = reader.string(c, f.path("class_name")) {
            if name.trimmingCharacters(in: .whitespaces).isEmpty { reader.error("infer.class_name: must not be empty", at: c) }
            stage.className = name
        } else if f["class_name"] == nil {
            reader.error("infer: missing 'class_name' (the object the prompts name, e.g. brain)", at: node)
        }
        if let t = f["threshold"], let threshold = reader.double(t, f.path("threshold"), range: 0...Double.greatestFiniteMagnitude) { stage.threshold = threshold }
        if let b = f["batch_size"], let batch = reader.int(b, f.path("batch_size"), range: 1...1024) { stage.batchSize = batch }
        return stage
    }

    func writeStage(_ node: Node) -> WriteStage? {
        guard let f = reader.mapping(node, "write", allowed: ["outputs", "layout"]) else { return nil }
        var outputs: [WriteStage.Output] = []
        if let o = f["outputs"], let names = reader.strings(o, f.path("outputs")) {
            let items = o.sequence.map(Array.init) ?? [o]
            for (name, item) in zip(names, items) {
                guard let output = WriteStage.Output(rawValue: name.lowercased()) else {
                    reader.error("write.outputs: '\(name)' is not one of \(WriteStage.Output.allCases.map(\.rawValue).joined(separator: ", "))", at: item)
                    continue
                }
                if outputs.contains(output) { reader.warning("write.outputs: '\(name)' listed twice", at: item) } else { outputs.append(output) }
            }
        }
        if f["outputs"] == nil || outputs.isEmpty && f["outputs"]?.sequence?.isEmpty == true {
            reader.error("write: list at least one of \(WriteStage.Output.allCases.map(\.rawValue).joined(separator: ", ")) under 'outputs'", at: node)
        }
        let layout = f["layout"].flatMap { reader.choice($0, f.path("layout"), WriteStage.Layout.self) } ?? .study
        return WriteStage(outputs: outputs, layout: layout)
    }

    func sendStage(_ node: Node) -> SendStage? {
        guard let f = reader.mapping(node, "send", allowed: ["ae_title", "host", "port", "calling_ae", "timeout_seconds"]) else { return nil }
        func aeTitle(_ key: String) -> String? {
            guard let n = f[key], let title = reader.string(n, f.path(key)) else { return nil }
            // PS3.8: at most 16 characters of the default repertoire, no backslash or control characters.
            if title.isEmpty || title.count > 16 || title.contains("\\") || title.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E }) {
                reader.error("\(f.path(key)): an AE title is 1 to 16 printable ASCII characters without backslash", at: n)
                return nil
            }
            return title
        }
        let called = aeTitle("ae_title")
        let calling = f["calling_ae"] == nil ? "MEDVMAD" : aeTitle("calling_ae")
        let host = f["host"].flatMap { reader.string($0, f.path("host")) }
        let port = f["port"].flatMap { reader.int($0, f.path("port"), range: 1...65_535) }
        let timeout = f["timeout_seconds"].map { reader.int($0, f.path("timeout_seconds"), range: 1...86_400) } ?? SendStage.defaultTimeoutSeconds
        for key in ["ae_title", "host", "port"] where f[key] == nil {
            reader.error("send: missing '\(key)'", at: node)
        }
        guard let called, let calling, let host, let port, let timeout else { return nil }
        if !environment.hasProgram("dcmsend") {
            reader.warning("send: dcmsend (dcmtk) is not on PATH; sending will fail", at: node)
        }
        return SendStage(aeTitle: called, host: host, port: port, callingAETitle: calling, timeoutSeconds: timeout)
    }

    func reportStage(_ node: Node) -> ReportStage? {
        guard let f = reader.mapping(node, "report", allowed: ["formats", "include_skipped"]) else { return nil }
        var stage = ReportStage()
        if let n = f["formats"], let names = reader.strings(n, f.path("formats")) {
            stage.formats = []
            for name in names {
                guard let format = ReportStage.Format(rawValue: name.lowercased()) else {
                    reader.error("report.formats: '\(name)' is not one of json, csv, html", at: n)
                    continue
                }
                stage.formats.append(format)
            }
        }
        if let n = f["include_skipped"], let value = reader.bool(n, f.path("include_skipped")) { stage.includeSkipped = value }
        return stage
    }

    func executionSettings(_ node: Node) -> ExecutionSettings? {
        let keys = ["concurrency", "blas_threads", "executor", "retries", "timeout_seconds"]
        guard let f = reader.mapping(node, "execution", allowed: keys) else { return nil }
        var settings = ExecutionSettings()
        if let n = f["concurrency"], let v = reader.int(n, f.path("concurrency"), range: 1...256) { settings.concurrency = v }
        if let n = f["blas_threads"], let v = reader.int(n, f.path("blas_threads"), range: 1...256) { settings.blasThreads = v }
        if let n = f["executor"], let v = reader.choice(n, f.path("executor"), ExecutionSettings.Executor.self) { settings.executor = v }
        if let n = f["retries"], let v = reader.int(n, f.path("retries"), range: 0...10) { settings.retries = v }
        if let n = f["timeout_seconds"], let v = reader.double(n, f.path("timeout_seconds"), range: 1...604_800) { settings.timeoutSeconds = v }
        return settings
    }

    // MARK: Combinations

    func checkCombinations(_ spec: PipelineSpec, top: Fields) {
        let writeNode = top["write"]
        let dicomOutputs = spec.write.outputs.filter(\.needsDicomSource)
        if !dicomOutputs.isEmpty && !spec.ingest.admitsDicom {
            reader.error("write.outputs: \(dicomOutputs.map(\.rawValue).joined(separator: ", ")) need DICOM input, but ingest.globs admit only NIfTI files",
                         at: writeNode)
        }
        if spec.send != nil && !spec.write.outputs.contains(where: \.needsDicomSource) {
            reader.error("send: there is nothing to send; add sc, overlay or seg to write.outputs", at: top["send"])
        }
        if !spec.ingest.admitsDicom, let rule = spec.select.rules.first(where: \.needsDicomAttributes) {
            reader.error("select: rule '\(rule.name)' tests DICOM attributes (modality, description, ImageType) but ingest.globs admit only NIfTI files, so it can never match",
                         at: top["select"])
        }
        let e = spec.execution
        if e.concurrency * e.blasThreads > environment.cores {
            reader.warning("execution: concurrency \(e.concurrency) × blas_threads \(e.blasThreads) = \(e.concurrency * e.blasThreads) threads on \(environment.cores) cores; jobs will compete for CPU",
                           at: top["execution"])
        }
        if e.executor == .slurm && !environment.hasProgram("sbatch") {
            reader.warning("execution.executor: slurm, but sbatch is not on PATH here", at: top["execution"])
        }
    }
}
