/// A decoded, checked pipeline file: which inputs, which series, how to prepare and infer, what to write.
///
/// Paths are absolute: relative paths in the file are resolved against the file's own folder, so a
/// pipeline behaves the same from cron, systemd or a shell in any directory.
public struct PipelineSpec: Sendable, Equatable {
    /// The file it came from.
    public var path: String
    public var name: String
    /// Default output folder (`output:`); `run --output` overrides it.
    public var output: String?
    public var ingest: IngestStage
    public var select: SelectStage
    public var prepare: PrepareStage
    public var infer: InferStage
    public var write: WriteStage
    public var send: SendStage?
    public var report: ReportStage
    public var schedule: CronExpression?
    public var execution: ExecutionSettings

    public init(path: String, name: String, output: String?, ingest: IngestStage, select: SelectStage, prepare: PrepareStage,
                infer: InferStage, write: WriteStage, send: SendStage?, report: ReportStage, schedule: CronExpression?,
                execution: ExecutionSettings) {
        self.path = path
        self.name = name
        self.output = output
        self.ingest = ingest
        self.select = select
        self.prepare = prepare
        self.infer = infer
        self.write = write
        self.send = send
        self.report = report
        self.schedule = schedule
        self.execution = execution
    }
}
