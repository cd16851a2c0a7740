import Foundation

/// What the select stage decided for one series.
public enum SelectionOutcome: Sendable, Equatable {
    /// Matched the named rule.
    case selected(rule: String)
    /// No rule matched; one reason per rule, in rule order.
    case notSelected(reasons: [String])

    public var ruleName: String? {
        if case .selected(let rule) = self { return rule }
        return nil
    }

    /// One line for logs and the job table.
    public var summary: String {
        switch self {
        case .selected(let rule): return "selected by rule '\(rule)'"
        case .notSelected(let reasons): return "no selection rule matched: " + reasons.joined(separator: "; ")
        }
    }
}

/// Applies the select stage's rules in order.
public struct SeriesSelector: Sendable {
    public var rules: [SeriesRule]
    private let expressions: [String: NSRegularExpression]

    public init(_ stage: SelectStage) {
        rules = stage.rules
        var expressions: [String: NSRegularExpression] = [:]
        for rule in stage.rules {
            if let pattern = rule.seriesDescription, let regex = Self.compile(pattern) { expressions[rule.name] = regex }
        }
        self.expressions = expressions
    }

    /// ICU syntax, which takes inline flags such as `(?i)` as the MONAI selector rules write them.
    static func compile(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: pattern)
    }

    public func select(_ candidate: SeriesCandidate) -> SelectionOutcome {
        var reasons: [String] = []
        for rule in rules {
            if let failure = firstFailure(rule, candidate) {
                reasons.append("\(rule.name): \(failure)")
            } else {
                return .selected(rule: rule.name)
            }
        }
        return .notSelected(reasons: reasons)
    }

    /// Why `rule` does not match, or nil when it does.
    func firstFailure(_ rule: SeriesRule, _ c: SeriesCandidate) -> String? {
        if !rule.modality.isEmpty {
            guard let modality = c.modality?.uppercased(), rule.modality.contains(modality) else {
                return "modality \(c.modality.map { "'\($0)'" } ?? "unknown") is not \(rule.modality.joined(separator: "/"))"
            }
        }
        if let pattern = rule.seriesDescription {
            guard let text = c.seriesDescription, let regex = expressions[rule.name],
                  regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil else {
                return c.seriesDescription == nil ? "no series description" : "series description does not match /\(pattern)/"
            }
        }
        if !rule.imageTypeContains.isEmpty || !rule.imageTypeExcludes.isEmpty {
            guard let types = c.imageType?.map({ $0.uppercased() }) else { return "no ImageType" }
            if let missing = rule.imageTypeContains.first(where: { !types.contains($0) }) { return "ImageType lacks \(missing)" }
            if let present = rule.imageTypeExcludes.first(where: { types.contains($0) }) { return "ImageType contains \(present)" }
        }
        if let wanted = rule.orientation {
            guard let actual = c.orientation else { return "orientation unknown" }
            if actual != wanted { return "orientation \(actual.rawValue), not \(wanted.rawValue)" }
        }
        if let minimum = rule.minimumSlices {
            guard let count = c.numbers["SliceCount"] else { return "slice count unknown" }
            if Int(count) < minimum { return "\(Int(count)) slices, fewer than \(minimum)" }
        }
        for condition in rule.conditions {
            guard let value = c.numbers[condition.attribute] else { return "\(condition.attribute) unknown" }
            if !condition.op.holds(value, condition.value) { return "\(condition.attribute) is \(value), not \(condition.op.rawValue) \(condition.value)" }
        }
        return nil
    }
}
