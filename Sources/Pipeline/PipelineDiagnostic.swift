/// A place in a pipeline file (1-based line and column, as editors count).
public struct SourceLocation: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a pipeline file, in the compiler's `file:line:column: severity: message` form.
public struct PipelineDiagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error, warning
    }

    public var severity: Severity
    /// Where the offending key or value starts; nil only for problems of the file as a whole.
    public var location: SourceLocation?
    public var message: String

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    public var description: String {
        "\(location.map(\.description) ?? "<pipeline>"): \(severity.rawValue): \(message)"
    }
}
