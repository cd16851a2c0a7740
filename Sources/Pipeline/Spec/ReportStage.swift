/// The batch report written next to the outputs.
public struct ReportStage: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable, CaseIterable {
        case json, csv, html
    }

    public var formats: [Format]
    /// Also list skipped series (no rule matched) in the report.
    public var includeSkipped: Bool

    public init(formats: [Format] = [.json, .html], includeSkipped: Bool = true) {
        self.formats = formats
        self.includeSkipped = includeSkipped
    }
}
