import Foundation

/// A small lock for caches inside otherwise immutable model objects.
final class NSLockShim: @unchecked Sendable {
    // @unchecked: NSLock is thread-safe.
    private let lock = NSLock()
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
