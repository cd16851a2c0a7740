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

/// The buffers of one inference pass through the vision tower, kept between batches.
///
/// At batch 8 on ViT-L/14@336 a pass needs ≈ 0.25 GB of temporaries (the stream, the blocks'
/// scratch, the adapters' products). A pipeline runs pass after pass at the same batch size, and
/// allocating them anew costs a zero-fill and a page fault per 4 KiB page each time. Every buffer
/// is written in full before it is read within a pass, so a reused one holds no stale values that matter.
final class InferenceWorkspace: @unchecked Sendable {
    // @unchecked: a workspace is checked out of its pool by one pass at a time.
    let batch: Int
    /// [B·T, C] the residual stream.
    let stream: FloatBuffer
    let scratch: BlockScratch
    /// The adapters' products, shared by all levels (a level's features are copied out before the next level runs).
    let adapterBuffers: AdapterBuffers?

    init(batch: Int, tokens: Int, width: Int, heads: Int, mlpWidth: Int, adapterBottleneck: Int?) {
        self.batch = batch
        let n = batch * tokens
        stream = FloatBuffer(count: n * width)
        scratch = BlockScratch(batch: batch, tokens: tokens, width: width, heads: heads, mlpWidth: mlpWidth, backward: false)
        adapterBuffers = adapterBottleneck.map { AdapterBuffers(rows: n, width: width, bottleneck: $0) }
    }
}

/// A workspace made for one batch size.
protocol BatchWorkspace: AnyObject {
    var batch: Int { get }
}

extension TrainingWorkspace: BatchWorkspace {}
extension InferenceWorkspace: BatchWorkspace {}

/// Keeps at most one idle workspace, for the batch size last used. Concurrent passes each get
/// their own; one of a different batch size replaces the idle one, so memory stays bounded by the
/// passes running plus one.
final class WorkspacePool<Workspace: BatchWorkspace>: @unchecked Sendable {
    // @unchecked: all state is behind the lock.
    private let lock = NSLock()
    private var idle: Workspace?

    /// An idle workspace for `batch`, if one is kept.
    func take(batch: Int) -> Workspace? {
        lock.lock()
        defer { lock.unlock() }
        guard let w = idle, w.batch == batch else { return nil }
        idle = nil
        return w
    }

    /// Returns a workspace after its pass.
    func give(_ workspace: Workspace) {
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
