#if canImport(Glibc)
import Glibc
#endif

/// How the C allocator serves the project's many-megabyte buffers.
public enum Allocator {
    /// The largest block served from the heap after `reuseFreedBlocks`, or nil when it has not run
    /// (or could not: another C library, or a `MALLOC_MMAP_THRESHOLD_` of the user's own).
    // nonisolated(unsafe): written by `reuseFreedBlocks`, which runs at start-up before other threads read it.
    public nonisolated(unsafe) private(set) static var heapBlockLimitBytes: Int? = nil

    /// Serves blocks up to `megabytes` from the heap, where freed memory is reused.
    ///
    /// glibc hands every block above its mmap threshold (128 KiB at start, moved up only as mapped
    /// blocks are freed, so it depends on what ran before) to the kernel on free and maps a new one on
    /// the next request: each such buffer then costs a page fault and a zero-fill per 4 KiB page every
    /// time it is made. Training steps and inference passes make 1–30 MB buffers (adapter products,
    /// gradients, feature maps) over and over; a batch-8 ViT-L training step ran ≈ 5 % slower when the
    /// threshold happened to stay low. With a fixed limit those blocks reuse freed heap memory; larger
    /// ones are still mapped and go back to the system when freed, and free memory at the heap's top
    /// beyond twice the limit is given back too. glibc accepts at most 32 MB. A value set through
    /// `MALLOC_MMAP_THRESHOLD_` is left alone. Returns whether the setting took effect.
    @discardableResult
    public static func reuseFreedBlocks(upToMegabytes megabytes: Int = 32) -> Bool {
        #if canImport(Glibc)
        if getenv("MALLOC_MMAP_THRESHOLD_") != nil { return false }
        let bytes = min(megabytes, 32) << 20
        guard setMmapThreshold(bytes: bytes) else { return false }
        heapBlockLimitBytes = bytes
        return true
        #else
        return false
        #endif
    }

    /// Sets glibc's mmap threshold to `bytes` and its trim threshold to twice that (which also
    /// stops glibc from moving them itself).
    static func setMmapThreshold(bytes: Int) -> Bool {
        // mallopt is glibc's; looked up at run time so that other C libraries simply skip this.
        guard let mallopt = RuntimeSymbol.function("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self) else { return false }
        // glibc's <malloc.h>: M_TRIM_THRESHOLD is -1, M_MMAP_THRESHOLD is -3.
        return mallopt(-3, Int32(bytes)) == 1 && mallopt(-1, Int32(2 * bytes)) == 1
    }
}

/// Functions looked up in the running process by name, for tuning entry points that only some
/// libraries export (OpenBLAS's pthread build, glibc): where one is missing the caller skips the tuning.
enum RuntimeSymbol {
    /// The function `name` as `type`, or nil when no loaded library exports it.
    static func function<F>(_ name: String, as type: F.Type) -> F? {
        #if canImport(Glibc)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }
}
