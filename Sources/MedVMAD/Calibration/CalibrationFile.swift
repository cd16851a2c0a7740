import Checkpoint
import Foundation

/// The contents of `calibration.json` in a model folder: a measured calibration, a threshold set
/// by hand, or both (the manual threshold then wins for the image decision; the calibration still
/// provides the pixel threshold and the heat-map scale).
public struct CalibrationFile: Codable, Sendable, Equatable {
    public var formatVersion: Int
    public var calibration: ModelCalibration?
    public var manualThreshold: ManualThreshold?

    public init(formatVersion: Int = CalibrationFile.currentFormat, calibration: ModelCalibration? = nil, manualThreshold: ManualThreshold? = nil) {
        self.formatVersion = formatVersion
        self.calibration = calibration
        self.manualThreshold = manualThreshold
    }

    public static let fileName = "calibration.json"
    public static let currentFormat = 1

    /// An image-score threshold chosen by a person.
    public struct ManualThreshold: Codable, Sendable, Equatable {
        public var value: Float
        /// Why, in the user's words (may be empty).
        public var note: String
        public var setAt: String
        public init(value: Float, note: String, setAt: String) {
            self.value = value
            self.note = note
            self.setAt = setAt
        }
    }

    public static func path(modelDirectory: String) -> String {
        (modelDirectory as NSString).appendingPathComponent(fileName)
    }

    /// Reads `calibration.json`; nil when the model folder has none (the model is uncalibrated).
    public static func read(modelDirectory: String) throws -> CalibrationFile? {
        let path = path(modelDirectory: modelDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedVMADError.ioFailure(path: path, reason: "cannot read")
        }
        do {
            let file = try ModelManifest.decoder.decode(CalibrationFile.self, from: data)
            guard file.formatVersion <= currentFormat else {
                throw MedVMADError.invalidConfig(path: path, reason: "format version \(file.formatVersion) is newer than this medvmad understands (\(currentFormat))")
            }
            return file
        } catch let e as DecodingError {
            throw MedVMADError.invalidConfig(path: path, reason: ModelManifest.describe(e))
        } catch let e as MedVMADError {
            throw e
        } catch {
            throw MedVMADError.invalidConfig(path: path, reason: "\(error)")
        }
    }

    /// Writes `calibration.json` atomically.
    public func write(modelDirectory: String) throws {
        let data = try ModelManifest.encoder.encode(self)
        try AtomicFile.write(data, to: Self.path(modelDirectory: modelDirectory))
    }

    /// SHA-256 of the model folder's `learned.safetensors` (what a calibration is tied to).
    public static func learnedSHA256(modelDirectory: String) throws -> String {
        let path = (modelDirectory as NSString).appendingPathComponent(ModelManifest.learnedFileName)
        do { return try FileDigest.sha256(path: path) } catch {
            throw MedVMADError.invalidModel(path: path, reason: "cannot hash: \(error)")
        }
    }
}
