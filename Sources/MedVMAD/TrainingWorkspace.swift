import CLIP
import Foundation
import Tensor

/// The activation buffers of one training pass through the vision tower, kept between steps.
///
/// A ViT-L/14@336 step at batch 8 keeps ≈ 6 GB of activations. Allocating them anew each step
/// costs a zero-fill and a page fault per 4 KiB page (the allocator maps and unmaps blocks this
/// large every time); reusing them costs nothing. Every kept buffer is written in full by the
/// forward pass before backward reads it, and every backward accumulator is zeroed before use,
/// so a reused workspace holds no stale values that matter.
final class TrainingWorkspace: @unchecked Sendable {
    // @unchecked: a workspace is checked out of its pool by one pass at a time.
    let batch: Int
    let scratch: BlockScratch
    private(set) var activations: [Int: BlockActivations] = [:]

    init(batch: Int, scratch: BlockScratch) {
        self.batch = batch
        self.scratch = scratch
    }

    /// The buffers for block `index`, made on first use.
    func activations(block index: Int, make: () -> BlockActivations) -> BlockActivations {
        if let a = activations[index] { return a }
        let a = make()
        activations[index] = a
        return a
    }
}

/// Keeps at most one idle `TrainingWorkspace`, for the batch size last used. Concurrent passes
/// each get their own; one of a different batch size replaces the idle one, so memory stays bounded
/// by the passes running plus one.
final class TrainingWorkspacePool: @unchecked Sendable {
    // @unchecked: all state is behind the lock.
    private let lock = NSLock()
    private var idle: TrainingWorkspace?

    /// An idle workspace for `batch`, if one is kept.
    func take(batch: Int) -> TrainingWorkspace? {
        lock.lock()
        defer { lock.unlock() }
        guard let w = idle, w.batch == batch else { return nil }
        idle = nil
        return w
    }

    /// Returns a workspace after its pass.
    func give(_ workspace: TrainingWorkspace) {
        lock.lock()
        idle = workspace
        lock.unlock()
    }

    /// Drops the idle workspace (its memory goes back to the system).
    func release() {
        lock.lock()
        idle = nil
        lock.unlock()
    }
}
