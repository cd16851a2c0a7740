import Foundation

/// A shell-style glob on paths relative to an input folder: `*` and `?` stay within one folder
/// name, `**` crosses folders, and a pattern without `/` is matched against the file name alone.
public struct GlobPattern: Sendable {
    public let pattern: String
    private let expression: NSRegularExpression
    private let nameOnly: Bool

    public init?(_ pattern: String) {
        var regex = "^"
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            switch c {
            case "*":
                if chars.first == "*" {
                    chars.removeFirst()
                    if chars.first == "/" {
                        chars.removeFirst()
                        regex += "(?:.*/)?"
                    } else {
                        regex += ".*"
                    }
                } else {
                    regex += "[^/]*"
                }
            case "?": regex += "[^/]"
            default: regex += NSRegularExpression.escapedPattern(for: String(c))
            }
        }
        regex += "$"
        guard let expression = try? NSRegularExpression(pattern: regex) else { return nil }
        self.pattern = pattern
        self.expression = expression
        self.nameOnly = !pattern.contains("/")
    }

    /// Whether `relativePath` (with `/` separators) matches.
    public func matches(_ relativePath: String) -> Bool {
        let subject = nameOnly ? String(relativePath.split(separator: "/").last ?? "") : relativePath
        return expression.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
    }
}
