import CLIP
import Checkpoint
import Foundation

/// The contents of `medvmad.json` in a model folder: settings, the CLIP weights they belong to, provenance.
public struct ModelManifest: Codable, Sendable, Equatable {
    /// Version of this file's layout.
    public var formatVersion: Int
    /// A short name for reports and DICOM provenance.
    public var name: String
    /// What the model is, in words (shown to users; say plainly when it is a demonstration).
    public var description: String
    /// Every setting of the model.
    public var model: MedVMADConfig
    /// The frozen CLIP backbone the learned parameters belong to.
    public var clip: CLIPReference
    /// How the learned parameters were produced.
    public var provenance: Provenance

    public init(formatVersion: Int, name: String, description: String, model: MedVMADConfig, clip: CLIPReference, provenance: Provenance) {
        self.formatVersion = formatVersion
        self.name = name
        self.description = description
        self.model = model
        self.clip = clip
        self.provenance = provenance
    }

    public static let fileName = "medvmad.json"
    public static let learnedFileName = "learned.safetensors"
    public static let currentFormat = 1

    public struct CLIPReference: Codable, Sendable, Equatable {
        /// As given at training time; relative paths are relative to the model folder.
        public var path: String
        /// SHA-256 of the weights file that was read.
        public var sha256: String
        /// Size in bytes of that file (a cheap first check).
        public var sizeBytes: Int64
        /// The architecture.
        public var config: CLIPConfig
        /// Where the architecture came from.
        public var configSource: String

        /// Describes loaded weights: absolute path, size and SHA-256 of the file read, its architecture.
        public init(describing checkpoint: CLIPCheckpoint) throws {
            let file = checkpoint.weightsPath
            let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
            self.init(path: (absolute as NSString).standardizingPath, sha256: try FileDigest.sha256(path: file), sizeBytes: size,
                      config: checkpoint.config, configSource: checkpoint.configSource)
        }

        public init(path: String, sha256: String, sizeBytes: Int64, config: CLIPConfig, configSource: String) {
            self.path = path
            self.sha256 = sha256
            self.sizeBytes = sizeBytes
            self.config = config
            self.configSource = configSource
        }
    }

    public struct Provenance: Codable, Sendable, Equatable {
        public var software: String
        public var createdAt: String
        public var trainingData: String?
        public var trainingImages: Int?
        public var epochsCompleted: Int
        public var seed: UInt64?
        public var notes: String

        public init(software: String, createdAt: String, trainingData: String?, trainingImages: Int?, epochsCompleted: Int, seed: UInt64?, notes: String) {
            self.software = software
            self.createdAt = createdAt
            self.trainingData = trainingData
            self.trainingImages = trainingImages
            self.epochsCompleted = epochsCompleted
            self.seed = seed
            self.notes = notes
        }
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    /// Reads `medvmad.json` from a model folder.
    public static func read(modelDirectory: String) throws -> ModelManifest {
        let path = (modelDirectory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedVMADError.invalidModel(path: modelDirectory, reason: "no \(fileName) in the model folder")
        }
        do {
            let m = try decoder.decode(ModelManifest.self, from: data)
            guard m.formatVersion <= currentFormat else {
                throw MedVMADError.invalidConfig(path: path, reason: "format version \(m.formatVersion) is newer than this medvmad understands (\(currentFormat))")
            }
            try m.model.validate(path: path, clip: m.clip.config)
            return m
        } catch let e as MedVMADError {
            throw e
        } catch let e as DecodingError {
            throw MedVMADError.invalidConfig(path: path, reason: describe(e))
        }
    }

    /// Writes `medvmad.json` atomically.
    public func write(modelDirectory: String) throws {
        let path = (modelDirectory as NSString).appendingPathComponent(Self.fileName)
        let data = try Self.encoder.encode(self)
        try AtomicFile.write(data, to: path)
    }

    /// The CLIP weights path resolved against the model folder.
    public func clipPath(modelDirectory: String) -> String {
        clip.path.hasPrefix("/") ? clip.path : ((modelDirectory as NSString).appendingPathComponent(clip.path) as NSString).standardizingPath
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String { c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .keyNotFound(k, c): return "missing key '\(path(c.codingPath + [k]))'"
        case let .typeMismatch(_, c): return "wrong type at '\(path(c.codingPath))': \(c.debugDescription)"
        case let .valueNotFound(_, c): return "missing value at '\(path(c.codingPath))'"
        case let .dataCorrupted(c): return "invalid JSON at '\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}

/// Writes files under a temporary name and renames them into place, so a crash never leaves
/// a half-written file under the final name.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let tmp = path + ".partial-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw MedVMADError.ioFailure(path: path, reason: String(cString: strerror(errno))) }
        } catch let e as MedVMADError {
            try? FileManager.default.removeItem(atPath: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw MedVMADError.ioFailure(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
