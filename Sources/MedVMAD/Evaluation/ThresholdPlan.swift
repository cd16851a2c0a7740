import Foundation

/// How `Evaluator` picks each model's verdict threshold, in order: a threshold given by hand; else
/// one measured on the normal images of a held-out split of the same data folder (`valid` when it
/// exists); else the model folder's `calibration.json`; else none, and no verdict metrics.
///
/// Nothing is ever selected on the evaluated split: a calibration split equal to it, or named
/// `test`, is an error, and a stored calibration measured on the evaluated split is not used.
public struct ThresholdPlan: Sendable, Equatable {
    public enum Calibration: Sendable, Equatable {
        /// The `valid` split when the data folder has one and it is not the evaluated split,
        /// otherwise the model folder's `calibration.json`.
        case automatic
        /// The normal images of this split (an error when it is missing, has no normal images, is
        /// the evaluated split or is `test`).
        case split(String)
        /// Only the model folder's `calibration.json`.
        case modelCalibration
        /// Nothing measured: verdict metrics only with a manual threshold.
        case off
    }

    /// Thresholds given by hand: none, one for every model, or one per model in model order.
    public var manual: [Float]
    public var calibration: Calibration
    /// Specificity asked of a threshold measured on a calibration split (`ConformalThreshold`).
    public var specificity: Double

    public init(manual: [Float] = [], calibration: Calibration = .automatic, specificity: Double = 0.95) {
        self.manual = manual
        self.calibration = calibration
        self.specificity = specificity
    }

    /// The split every automatic plan calibrates on when the data folder has it.
    public static let validationSplit = "valid"

    /// `--calibrate-on`'s words: `auto`, `model`, `none`, or a split name.
    public static func calibration(option: String) -> Calibration {
        switch option {
        case "auto": return .automatic
        case "model": return .modelCalibration
        case "none": return .off
        default: return .split(option)
        }
    }

    /// A model's threshold, or why it has none.
    public enum Resolution: Sendable, Equatable {
        case threshold(EvaluationThreshold)
        case unavailable(String)
    }

    /// The normal images a threshold is measured on, loaded once for all models.
    public struct CalibrationSet: Sendable {
        public var split: String
        /// "<absolute split folder> (good)".
        public var description: String
        public var items: [BMADDataset.Item]
    }

    /// Checks the plan against the evaluated split and loads the calibration split it names (nil:
    /// none is used, with the reason in `note`). Throws for a plan that would select on the evaluated split.
    public func calibrationSet(evaluating dataset: BMADDataset, modelCount: Int) throws -> (set: CalibrationSet?, note: String?) {
        guard manual.count <= 1 || manual.count == modelCount else {
            throw MedVMADError.invalidInput(reason: "\(manual.count) manual thresholds for \(modelCount) models: give one for all or one per model")
        }
        guard specificity > 0, specificity < 1 else {
            throw MedVMADError.invalidInput(reason: "specificity must be in (0, 1), got \(specificity)")
        }
        if let t = manual.first(where: { !$0.isFinite }) {
            throw MedVMADError.invalidInput(reason: "manual threshold \(t) is not a finite number")
        }
        // Every model has a manual threshold: nothing to measure.
        if !manual.isEmpty { return (nil, nil) }
        let root = Self.absolute(dataset.root)
        switch calibration {
        case .off, .modelCalibration:
            return (nil, nil)
        case .automatic:
            let split = Self.validationSplit
            guard split != dataset.split else {
                return (nil, "the evaluated split is '\(split)'; it is not used to set its own threshold")
            }
            guard Self.isDirectory((root as NSString).appendingPathComponent(split)) else {
                return (nil, "the data folder has no '\(split)' split")
            }
            let set = try Self.load(root: root, split: split)
            guard !set.items.isEmpty else { return (nil, "the '\(split)' split has no normal images") }
            return (set, nil)
        case .split(let split):
            guard split != dataset.split, split != "test" else {
                throw MedVMADError.invalidInput(reason: "cannot calibrate on the '\(split)' split: thresholds are never selected on the evaluated or the test split")
            }
            let set = try Self.load(root: root, split: split)
            guard !set.items.isEmpty else {
                throw MedVMADError.invalidData(path: (root as NSString).appendingPathComponent(split), reason: "no normal ('good') images to calibrate on")
            }
            return (set, nil)
        }
    }

    /// The threshold of model number `index` (0-based). `scores` are the model's scores of
    /// `set.items`, in order, when a calibration set is used.
    public func resolve(index: Int, model: MedVMADInference, evaluating dataset: BMADDataset, set: CalibrationSet?,
                        scores: [Float]?, note: String?) throws -> Resolution {
        if !manual.isEmpty {
            return .threshold(EvaluationThreshold(value: manual.count == 1 ? manual[0] : manual[index], source: .manual, origin: "--threshold"))
        }
        if let set, let scores {
            let r = try ConformalThreshold.threshold(normalScores: scores, specificity: specificity)
            return .threshold(EvaluationThreshold(r, source: .validSplit, split: set.split, origin: set.description))
        }
        if calibration == .off { return .unavailable("no threshold given (--threshold) and calibration switched off (--calibrate-on none)") }
        let prefix = note.map { $0 + ", and " } ?? ""
        let path = CalibrationFile.path(modelDirectory: model.modelDirectory)
        let policy: DecisionPolicy
        do {
            guard try CalibrationFile.read(modelDirectory: model.modelDirectory) != nil else {
                return .unavailable(prefix + "the model folder has no \(CalibrationFile.fileName)")
            }
            policy = try DecisionPolicy.load(for: model)
        } catch let e as MedVMADError {
            // A calibration for other parameters or another class name gives no valid threshold here.
            return .unavailable(prefix + "the stored calibration does not apply: \(e)")
        }
        let evaluated = (Self.absolute(dataset.root) as NSString).appendingPathComponent(dataset.split)
        switch policy.imageThreshold.source {
        case .manual:
            return .threshold(EvaluationThreshold(value: policy.imageThreshold.value, source: .manual,
                                                  origin: "\(path): \(policy.imageThreshold.description)"))
        case .calibration:
            guard let c = policy.calibration else { break }
            // `NormalImages` records "<split folder> (good)" or a plain folder, absolute.
            let data = c.provenance.data
            if data == evaluated || data.hasPrefix(evaluated + " ") || data.hasPrefix(evaluated + "/") {
                return .unavailable(prefix + "the stored calibration (\(path)) was measured on the evaluated split \(evaluated)")
            }
            return .threshold(EvaluationThreshold(c.imageThreshold, source: .modelCalibration, split: nil,
                                                  origin: "\(path): \(c.sourceDescription)"))
        case .uncalibratedDefault, .pipelineFile:
            break
        }
        return .unavailable(prefix + "\(path) holds no image threshold")
    }

    static func absolute(_ path: String) -> String {
        let fm = FileManager.default
        return ((path.hasPrefix("/") ? path : (fm.currentDirectoryPath as NSString).appendingPathComponent(path)) as NSString).standardizingPath
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func load(root: String, split: String) throws -> CalibrationSet {
        let data = try BMADDataset.load(root: root, split: split, requireMasks: false)
        let dir = (root as NSString).appendingPathComponent(split)
        return CalibrationSet(split: split, description: "\(dir) (good)", items: data.items.filter { $0.label == 0 })
    }
}
