import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only into memory.
///
/// Checkpoint archives are read through the mapping so that tensor data is decoded straight from
/// the page cache: opening a multi-gigabyte archive costs one `mmap`, not a copy.
final class MappedFile: @unchecked Sendable {
    // @unchecked: wraps a C mapping that is created read-only in init, never written, and unmapped
    // only in deinit, so sharing it between threads is safe.

    let path: String
    /// Length of the file in bytes.
    let count: Int
    private let base: UnsafeRawPointer?

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError.unreadable(path: path, reason: "stat failed: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError.unreadable(path: path, reason: "not a regular file") }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CheckpointError.unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes in `range`, which the caller has bounds-checked against `count`.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "unchecked range \(range) of a \(count)-byte mapping")
        guard let base, !range.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Tells the kernel the mapping will be read front to back (read-ahead for hashing).
    func adviseSequential() {
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_SEQUENTIAL) }
    }

    /// Whether `length` bytes starting at `offset` lie inside the file (overflow-safe).
    func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }
}
