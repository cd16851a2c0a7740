import Checkpoint
import Foundation

/// Cheap change detection for inputs and models.
public enum InputFingerprint {
    /// SHA-256 over each file's path, size and modification time (sorted), so a re-sent, edited or
    /// added file changes it without reading any pixel data. A missing file hashes as missing.
    public static func of(files: [String]) -> String {
        var lines: [String] = []
        for path in files.sorted() {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            lines.append("\(path)\t\(size)\t\(String(format: "%.6f", modified))")
        }
        return FileDigest.sha256(Data(lines.joined(separator: "\n").utf8))
    }

    /// SHA-256 over the contents of the model folder's files the results depend on
    /// (`medvmad.json`, `learned.safetensors`), plus the pipeline settings that shape results
    /// (profile, class, threshold, preparation and the outputs asked for).
    public static func model(_ spec: PipelineSpec) throws(PipelineError) -> String {
        let infer = spec.infer, prepare = spec.prepare
        var parts: [String] = []
        for name in InferStage.requiredModelFiles {
            let path = infer.model + "/" + name
            do { parts.append(try FileDigest.sha256(path: path)) } catch {
                throw .processingFailed(key: path, reason: "cannot hash model file: \(error)")
            }
        }
        // The calibration sets thresholds and the heat-map scale: a new or removed one redoes the jobs.
        let calibration = infer.model + "/calibration.json"
        parts.append(FileManager.default.fileExists(atPath: calibration) ? ((try? FileDigest.sha256(path: calibration)) ?? "unreadable") : "none")
        // Settings that change results count as part of the model: a new threshold redoes the jobs.
        parts.append("\(infer.profile ?? "")|\(infer.className)|\(infer.threshold.map { "\($0)" } ?? "calibrated")|\(prepare.axis.rawValue)|\(prepare.window)|\(prepare.size)|\(prepare.skipEmpty)|\(spec.write.outputs.map(\.rawValue))")
        return FileDigest.sha256(Data(parts.joined(separator: "\n").utf8))
    }
}
