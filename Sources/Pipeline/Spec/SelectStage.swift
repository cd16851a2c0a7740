import Foundation

/// Which series of a study are processed. A series no rule matches is recorded as skipped with the
/// reasons each rule gave; nothing is ever taken by default.
public struct SelectStage: Sendable, Equatable {
    /// Rules in order; the first that matches names the selection.
    public var rules: [SeriesRule]

    public init(rules: [SeriesRule]) {
        self.rules = rules
    }
}

/// One selection rule: every stated condition must hold.
public struct SeriesRule: Sendable, Equatable {
    public var name: String
    /// Modality, matched exactly, case-insensitively ("CT", "MR", "MG").
    public var modality: [String]
    /// Regular expression searched in SeriesDescription (ICU syntax; `(?i)` for case-insensitive).
    public var seriesDescription: String?
    /// Values ImageType must all contain ("ORIGINAL", "PRIMARY").
    public var imageTypeContains: [String]
    /// Values ImageType must not contain ("LOCALIZER").
    public var imageTypeExcludes: [String]
    /// Acquisition plane from ImageOrientationPatient.
    public var orientation: SeriesOrientation?
    /// Minimum number of slices (frames) after localizers are dropped.
    public var minimumSlices: Int?
    /// Numeric comparisons on series attributes ("SliceThickness <= 5").
    public var conditions: [TagCondition]

    public init(name: String, modality: [String] = [], seriesDescription: String? = nil, imageTypeContains: [String] = [],
                imageTypeExcludes: [String] = [], orientation: SeriesOrientation? = nil, minimumSlices: Int? = nil,
                conditions: [TagCondition] = []) {
        self.name = name
        self.modality = modality
        self.seriesDescription = seriesDescription
        self.imageTypeContains = imageTypeContains
        self.imageTypeExcludes = imageTypeExcludes
        self.orientation = orientation
        self.minimumSlices = minimumSlices
        self.conditions = conditions
    }

    /// Whether the rule asks for anything only DICOM headers carry.
    public var needsDicomAttributes: Bool {
        !modality.isEmpty || seriesDescription != nil || !imageTypeContains.isEmpty || !imageTypeExcludes.isEmpty
    }
}

/// Acquisition plane of a series.
public enum SeriesOrientation: String, Sendable, Equatable, CaseIterable, Codable {
    case axial, coronal, sagittal, oblique

    /// The plane whose normal is closest to the slice normal, or oblique when no axis dominates
    /// (the largest component below cos 30°, as MONAI's selector and dcm2niix treat tilted stacks).
    public static func classify(rowCosines: [Double], columnCosines: [Double]) -> SeriesOrientation {
        guard rowCosines.count == 3, columnCosines.count == 3 else { return .oblique }
        let r = rowCosines, c = columnCosines
        let normal = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
        let length = (normal.map { $0 * $0 }.reduce(0, +)).squareRoot()
        guard length > 0 else { return .oblique }
        let magnitudes = normal.map { abs($0) / length }
        let largest = magnitudes.max()!
        guard largest >= 0.866 else { return .oblique }
        switch magnitudes.firstIndex(of: largest)! {
        case 0: return .sagittal
        case 1: return .coronal
        default: return .axial
        }
    }
}

/// A numeric comparison on a named series attribute.
public struct TagCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

        public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
            switch self {
            case .greater: return lhs > rhs
            case .greaterOrEqual: return lhs >= rhs
            case .less: return lhs < rhs
            case .lessOrEqual: return lhs <= rhs
            case .equal: return lhs == rhs
            case .notEqual: return lhs != rhs
            }
        }
    }

    /// Attributes a condition may name; every discovered series offers the ones it can know.
    public static let attributes: [String] = [
        "Rows", "Columns", "SliceCount", "SeriesNumber", "SliceSpacing", "PixelSpacing", "InstanceCount",
    ]

    public var attribute: String
    public var op: Operator
    public var value: Double

    public init(attribute: String, op: Operator, value: Double) {
        self.attribute = attribute
        self.op = op
        self.value = value
    }

    /// Parses `"Attribute OP number"`; nil with a reason when it is not one.
    public static func parse(_ text: String) -> Result<TagCondition, ConditionSyntaxError> {
        // Two-character operators first so ">=" is not read as ">" followed by "=5".
        let ordered: [Operator] = [.greaterOrEqual, .lessOrEqual, .equal, .notEqual, .greater, .less]
        for op in ordered {
            guard let range = text.range(of: op.rawValue) else { continue }
            let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard attributes.contains(name) else {
                return .failure(.init(message: "unknown attribute '\(name)' (known: \(attributes.joined(separator: ", ")))"))
            }
            guard let value = Double(number), value.isFinite else {
                return .failure(.init(message: "'\(number)' is not a number"))
            }
            return .success(TagCondition(attribute: name, op: op, value: value))
        }
        return .failure(.init(message: "expected 'Attribute OP number' with OP one of > >= < <= == !="))
    }

    public var description: String { "\(attribute) \(op.rawValue) \(value)" }
}

/// Why a condition string did not parse.
public struct ConditionSyntaxError: Error, Sendable, Equatable {
    public var message: String
}
