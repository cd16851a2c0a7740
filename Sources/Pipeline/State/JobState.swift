/// Where a job stands.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting to run (new, changed, or interrupted).
    case pending
    /// Claimed by a run that has not finished it (a killed run leaves this; the next run redoes it).
    case running
    /// Finished; outputs listed.
    case done
    /// Every attempt failed; `error` says why.
    case failed
    /// Not processed by decision: no selection rule matched, with the reasons in `error`.
    case skipped
}
