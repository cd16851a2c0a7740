/// How jobs run.
public struct ExecutionSettings: Sendable, Equatable {
    public enum Executor: String, Sendable, Equatable, CaseIterable {
        case local, slurm
    }

    /// Jobs at once.
    public var concurrency: Int
    /// OpenBLAS threads per job.
    public var blasThreads: Int
    public var executor: Executor
    /// Extra attempts after a failure.
    public var retries: Int
    /// Per-job limit in seconds; nil for none.
    public var timeoutSeconds: Double?

    public init(concurrency: Int = 1, blasThreads: Int = 1, executor: Executor = .local, retries: Int = 0, timeoutSeconds: Double? = nil) {
        self.concurrency = concurrency
        self.blasThreads = blasThreads
        self.executor = executor
        self.retries = retries
        self.timeoutSeconds = timeoutSeconds
    }
}
