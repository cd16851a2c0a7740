import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `OUTPUT/.lock`, held for a whole run so two runs cannot interleave their
/// writes. The kernel drops the lock when the process dies, so a killed run never leaves it stuck;
/// the file holds the holder's pid only to name it in the message.
public final class OutputLock: Sendable {
    public let folder: String
    private let descriptor: Int32

    /// Creates the folder if needed and takes the lock without waiting.
    public init(folder: String) throws(PipelineError) {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .outputUnavailable(folder: folder, reason: "cannot create it: " + AtomicOutput.systemReason(error))
        }
        let path = folder + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .outputUnavailable(folder: folder, reason: "cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let why = errno
            let holder = Self.readPID(fd)
            close(fd)
            if why == EWOULDBLOCK { throw .outputLocked(folder: folder, holderPID: holder) }
            throw .outputUnavailable(folder: folder, reason: "cannot lock \(path): \(String(cString: strerror(why)))")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = fd
    }

    static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock (also happens on deinit and process exit).
    public func release() {
        _ = flock(descriptor, LOCK_UN)
    }

    deinit {
        close(descriptor)
    }
}
