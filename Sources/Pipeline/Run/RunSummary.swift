/// The outcome of one run.
public struct RunSummary: Sendable, Equatable {
    /// Series discovered.
    public var discovered: Int
    /// Jobs run this time and finished.
    public var completed: Int
    /// Jobs already done with unchanged input and model.
    public var upToDate: Int
    /// Jobs that failed (this run, or unusable series).
    public var failed: Int
    /// Series no rule matched.
    public var skipped: Int
    /// Failed jobs' keys and reasons.
    public var failures: [Failure]

    public struct Failure: Sendable, Equatable {
        public var key: String
        public var reason: String
    }

    public init(discovered: Int = 0, completed: Int = 0, upToDate: Int = 0, failed: Int = 0, skipped: Int = 0, failures: [Failure] = []) {
        self.discovered = discovered
        self.completed = completed
        self.upToDate = upToDate
        self.failed = failed
        self.skipped = skipped
        self.failures = failures
    }

    /// One line for the end of a run.
    public var line: String {
        "\(discovered) series: \(completed) processed, \(upToDate) already done, \(failed) failed, \(skipped) not selected"
    }
}
