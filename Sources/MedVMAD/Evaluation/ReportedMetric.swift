import Metrics

/// A metric as `metrics.json` stores it: a plain number (a fraction, 0…1), or an object naming why
/// there is none — `{"undefined": "no abnormal images"}` or `{"not_computed": "…"}` — never NaN.
public enum ReportedMetric: Codable, Sendable, Equatable, CustomStringConvertible {
    case value(Double)
    /// The metric has no value on this data (e.g. AUROC without abnormal images).
    case undefined(String)
    /// The metric was deliberately not computed (e.g. exact AUPRO on a set too large to hold).
    case notComputed(String)

    public init(_ result: MetricResult) {
        switch result {
        case .value(let v): self = .value(v)
        case .undefined(let why): self = .undefined(why.description)
        }
    }

    /// The number, or nil.
    public var value: Double? {
        if case .value(let v) = self { return v }
        return nil
    }

    /// The reason there is no number, or nil.
    public var reason: String? {
        switch self {
        case .value: return nil
        case .undefined(let r), .notComputed(let r): return r
        }
    }

    /// Percent with one decimal, as in the paper's tables, or "n/a (reason)".
    public var percentText: String {
        if let v = value { return String(format: "%.1f", v * 100) }
        return "n/a (\(reason ?? ""))"
    }

    public var description: String { value.map { "\($0)" } ?? "n/a (\(reason ?? ""))" }

    private enum Keys: String, CodingKey {
        case undefined
        case notComputed = "not_computed"
    }

    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Double.self) {
            self = .value(v)
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        if let r = try c.decodeIfPresent(String.self, forKey: .undefined) {
            self = .undefined(r)
        } else {
            self = .notComputed(try c.decode(String.self, forKey: .notComputed))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .value(let v):
            // A non-finite value here is a bug upstream; the JSON must stay valid and say so.
            guard v.isFinite else {
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode("value was \(v)", forKey: .undefined)
                return
            }
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .undefined(let r):
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(r, forKey: .undefined)
        case .notComputed(let r):
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(r, forKey: .notComputed)
        }
    }
}
