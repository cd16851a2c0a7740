import Foundation
import GRDB

/// One series or volume's row in the job table (`state.sqlite` in the output folder).
public struct PipelineJob: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job"

    public var id: Int64?
    /// The candidate's key (`dicom/<study>/<series>` or `nifti/<path>`).
    public var inputKey: String
    public var kind: String
    public var state: JobState
    /// Attempts made since the input or model last changed.
    public var attempts: Int
    /// Failure reason, or for skipped jobs why no rule matched.
    public var error: String?
    /// Name of the selection rule that matched.
    public var rule: String?
    /// Hash of the input files' names, sizes and modification times.
    public var fingerprint: String
    /// Hash of the model folder's files the results depend on.
    public var modelHash: String
    /// Output folder, relative to the output root.
    public var outputFolder: String
    /// Files written, relative to the output root, as a JSON list. Kept on a failed job only when
    /// processing finished and sending failed (the next attempt sends them instead of processing again).
    public var outputs: String
    /// DICOM outputs the send stage delivered (the peer stored them), relative to the output root, as a JSON list.
    public var sent: String
    /// Input files (absolute) as a JSON list, so a later run or a worker can process the job without rescanning.
    public var inputFiles: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Seconds the last attempt took.
    public var duration: Double?

    public init(inputKey: String, kind: String, state: JobState, fingerprint: String, modelHash: String, outputFolder: String,
                inputFiles: [String], rule: String?, error: String?, createdAt: Date) {
        self.inputKey = inputKey
        self.kind = kind
        self.state = state
        self.attempts = 0
        self.error = error
        self.rule = rule
        self.fingerprint = fingerprint
        self.modelHash = modelHash
        self.outputFolder = outputFolder
        self.outputs = "[]"
        self.sent = "[]"
        self.inputFiles = Self.encode(inputFiles)
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, state, attempts, error, rule, fingerprint, outputs, sent
        case inputKey = "input_key", modelHash = "model_hash", outputFolder = "output_folder", inputFiles = "input_files"
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", duration
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Output paths relative to the output root.
    public var outputList: [String] { Self.decode(outputs) }
    /// Delivered DICOM outputs, relative to the output root.
    public var sentList: [String] { Self.decode(sent) }
    /// Input files, absolute.
    public var inputFileList: [String] { Self.decode(inputFiles) }

    static func encode(_ list: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(list), as: UTF8.self)) ?? "[]"
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

extension JobState: DatabaseValueConvertible {}
