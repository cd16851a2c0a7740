import Foundation
import Yams

/// Reads typed values out of a composed YAML tree, recording every problem with its line and column
/// instead of stopping at the first, so `validate` can list them all.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [PipelineDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node?) -> SourceLocation? {
        guard let mark = node?.mark else { return nil }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func error(_ message: String, at node: Node?) {
        diagnostics.append(PipelineDiagnostic(.error, message, at: location(node)))
    }

    func warning(_ message: String, at node: Node?) {
        diagnostics.append(PipelineDiagnostic(.warning, message, at: location(node)))
    }

    func add(_ diagnostic: PipelineDiagnostic) {
        diagnostics.append(diagnostic)
    }

    /// A mapping's entries by key; keys outside `allowed` are errors at the key's own position.
    func mapping(_ node: Node, _ path: String, allowed: [String]) -> Fields? {
        guard let mapping = node.mapping else {
            error("\(path): expected a mapping of keys, found \(kind(node))", at: node)
            return nil
        }
        var fields = Fields(node: node, path: path)
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error("\(path): keys must be plain names", at: key)
                continue
            }
            guard allowed.contains(name) else {
                let hint = Self.closest(name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                error("\(path): unknown key '\(name)'\(hint); allowed: \(allowed.joined(separator: ", "))", at: key)
                continue
            }
            fields.values[name] = value
            fields.keys[name] = key
        }
        return fields
    }

    func string(_ node: Node, _ path: String) -> String? {
        guard let scalar = node.scalar, node.null == nil else {
            error("\(path): expected a text value, found \(kind(node))", at: node)
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node, _ path: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            error("\(path): expected a whole number, found \(kind(node))", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("\(path): \(value) is outside \(range.lowerBound)...\(range.upperBound)", at: node)
            return nil
        }
        return value
    }

    func double(_ node: Node, _ path: String, range: ClosedRange<Double>? = nil) -> Double? {
        guard let scalar = node.scalar, let value = Double(scalar.string), value.isFinite else {
            error("\(path): expected a number, found \(kind(node))", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("\(path): \(value) is outside \(range.lowerBound)...\(range.upperBound)", at: node)
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ path: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("\(path): expected true or false, found \(kind(node))", at: node)
            return nil
        }
    }

    /// A list of texts; a single text counts as a one-element list.
    func strings(_ node: Node, _ path: String) -> [String]? {
        if node.scalar != nil { return string(node, path).map { [$0] } }
        guard let sequence = node.sequence else {
            error("\(path): expected a list of texts, found \(kind(node))", at: node)
            return nil
        }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let value = string(item, "\(path)[\(index)]") else { return nil }
            result.append(value)
        }
        return result
    }

    /// One of a fixed set of names.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(node, path) else { return nil }
        guard let value = T(rawValue: text.lowercased()) else {
            error("\(path): '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", at: node)
            return nil
        }
        return value
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return node.null != nil ? "nothing" : "'\(scalar.string)'"
        case .alias: return "an alias"
        }
    }

    /// The allowed name within edit distance 2, for "did you mean".
    static func closest(_ name: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        let scored = candidates.map { ($0, distance(Array(name.lowercased()), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }
}

/// The accepted entries of one mapping.
struct Fields {
    let node: Node
    let path: String
    var values: [String: Node] = [:]
    var keys: [String: Node] = [:]

    init(node: Node, path: String) {
        self.node = node
        self.path = path
    }

    subscript(_ key: String) -> Node? { values[key] }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
