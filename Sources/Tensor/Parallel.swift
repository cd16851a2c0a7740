import Dispatch
import Foundation

/// Splits row-parallel work over the cores. Elementwise kernels use it; BLAS threads itself.
public enum Parallel {
    /// Worker count for non-BLAS loops. Set together with `BLAS.threads` so the cores are not oversubscribed.
    nonisolated(unsafe) public static var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(range)` on disjoint chunks covering `0..<count`, concurrently when large enough.
    /// - Parameter grain: minimum items per chunk; below `2·grain` everything runs on the caller's thread.
    @inlinable
    public static func chunks(_ count: Int, grain: Int = 64, _ body: (Range<Int>) -> Void) {
        let w = workers
        if w <= 1 || count < 2 * grain {
            if count > 0 { body(0..<count) }
            return
        }
        let parts = min(w, (count + grain - 1) / grain)
        let step = (count + parts - 1) / parts
        withoutActuallyEscaping(body) { escapable in
            // The chunks are disjoint and concurrentPerform returns only when all are done,
            // so the caller's buffers outlive every use; that is what makes the box safe.
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = p * step
                let hi = min(count, lo + step)
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value the compiler cannot prove Sendable into `concurrentPerform`.
@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
