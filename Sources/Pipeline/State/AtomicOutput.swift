import Foundation

/// Writes files so that a reader (or a resumed run) sees either the old file or the complete new one:
/// data goes to a hidden temporary name in the same folder and is renamed over the final name.
public enum AtomicOutput {
    /// Prefix of temporary files; leftovers from a killed run are removed before a job is redone.
    public static let temporaryPrefix = ".partial-"

    /// Writes `data` to `path` atomically, creating the folder.
    public static func write(_ data: Data, to path: String) throws(PipelineError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent("\(temporaryPrefix)\(getpid())-\(url.lastPathComponent)")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: temporary)
        } catch {
            // A write cut short (full disk, file size limit) leaves no partial file behind.
            try? FileManager.default.removeItem(at: temporary)
            throw .outputWriteFailed(path: path, reason: systemReason(error))
        }
        try commit(temporary.path, to: path)
    }

    /// A temporary path next to `path` for writers that produce the file themselves (DCMTK, libpng);
    /// call `commit` once it is complete.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("\(temporaryPrefix)\(getpid())-\(url.lastPathComponent)").path
    }

    /// Renames a complete temporary file over `path` (rename(2) replaces atomically on one file system).
    public static func commit(_ temporary: String, to path: String) throws(PipelineError) {
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw .outputWriteFailed(path: path, reason: "rename failed: \(reason)")
        }
    }

    /// The operating system's words for a failed file operation ("File too large", "No space left on
    /// device", "Read-only file system") where Foundation wraps them in an opaque Cocoa error.
    static func systemReason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? any Error {
            if let posix = underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
            let wrapped = underlying as NSError
            if wrapped.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(wrapped.code))) }
        }
        return "\(error)"
    }

    /// Removes temporary leftovers directly in `folder` (not below it).
    public static func removeLeftovers(directlyIn folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(temporaryPrefix) {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    /// Removes temporary leftovers under `folder` (recursively).
    public static func removeLeftovers(in folder: String) {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return }
        for case let relative as String in enumerator where (relative as NSString).lastPathComponent.hasPrefix(temporaryPrefix) {
            try? FileManager.default.removeItem(atPath: folder + "/" + relative)
        }
    }
}
