/// Exact (normal, abnormal) counts for every distinct Float32 score seen.
///
/// Why a histogram of bit patterns and not merged sorted runs: scores are Float32, so a distinct
/// score is a distinct 32-bit pattern (after merging −0 into +0, which compare equal), and counting
/// by pattern groups ties exactly as scikit-learn does on the float64-widened values. Memory then
/// follows the number of distinct values, not pixels, and no run is ever merged twice.
///
/// Speed: pixels are first buffered (up to `defaultBatch` per label), radix-sorted by page and counted in
/// address order. Counting in image order would cost a cache miss per pixel once the counters span
/// hundreds of MB; in sorted batches the counters stream through the cache. O(1) amortised per
/// pixel (two radix passes plus one increment).
///
/// Layout: the 32-bit order key (see `orderKey`) is split into a 20-bit page number and a 12-bit
/// offset. A page starts *sparse* (a list of 16-bit entries `offset << 1 | label`, one per pixel) and
/// becomes *dense* (4,096 × (normal, abnormal) UInt32 counters, 32 KiB) once it holds
/// `sparseLimit` pixels. Memory is therefore about min(2 B per pixel, 8 B per representable Float in
/// the touched pages), at most 32 KiB per page, plus a 4 MiB page table and at most 48 MiB of batch
/// buffers: scattered values stay cheap, and a map dense in [0, 4) needs about 8 B per
/// representable value (~67 MB per binade) however many pixels land there. Measured on synthetic
/// noisy 336 × 336 maps: 3.4 × 10⁷ pixels → 122 MB, 3.4 × 10⁸ pixels → 246 MB.
///
/// Limit: at most `UInt32.max` samples in all (counters are UInt32 so dense pages stay small, and
/// the integer ROC sums then fit in UInt64).
struct ScoreHistogram: Sendable {
    static let offsetBits = 12
    static let pageSize = 1 << offsetBits
    static let pageCount = 1 << (32 - offsetBits)
    /// Pixels a sparse page holds before it turns dense: the point where 2-byte entries cost as much
    /// as 8,192 four-byte counters would.
    static let sparseLimit = 16_384
    static let sampleLimit = UInt64(UInt32.max)

    /// 0: page untouched; > 0: dense page number + 1; < 0: −(sparse page number + 1).
    private var pageTable: [Int32]
    /// Dense pages, each `2 * pageSize` counters: [2·offset] normal, [2·offset + 1] abnormal.
    private var dense: [UInt32] = []
    private var sparse: [[UInt16]] = []
    /// Pages touched so far, in first-touch order: iteration visits these instead of the whole table.
    private var touchedPages: [Int32] = []
    /// Keys of pixels not yet counted, per label, and the radix sort's scratch: `batchCapacity` each.
    private var normalKeys: [UInt32] = []
    private var abnormalKeys: [UInt32] = []
    private var sortScratch: [UInt32] = []
    private var bufferedNormal = 0
    private var bufferedAbnormal = 0
    private var batchCapacity = 0
    private var digitCounts = [Int](repeating: 0, count: 2 * RadixSort.buckets)
    private(set) var positives: UInt64 = 0
    private(set) var negatives: UInt64 = 0

    /// Pixels buffered per label before they are sorted and counted (at most 3 × 16 MiB of buffers).
    static let defaultBatch = 1 << 22
    private let batchLimit: Int

    init(batch: Int = defaultBatch) {
        pageTable = [Int32](repeating: 0, count: Self.pageCount)
        batchLimit = batch
    }

    /// Monotone map Float → UInt32: a < b ⇔ key(a) < key(b); −0 and +0 share a key. NaN excluded by callers.
    @inline(__always) static func orderKey(_ x: Float) -> UInt32 {
        let bits = x == 0 ? 0 : x.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// Inverse of `orderKey`.
    static func score(ofKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    /// Counts one image. `labels[i]` is 0 (normal) or 1 (abnormal); scores must not be NaN (checked by callers).
    ///
    /// Keys are only buffered here (O(pixels), no allocation once the buffers exist); `flush`
    /// counts them when a buffer is full and before any read.
    mutating func add(scores: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<UInt8>) throws {
        precondition(scores.count == labels.count)
        let n = scores.count
        guard positives + negatives + UInt64(n) <= Self.sampleLimit else { throw MetricsError.tooManySamples(limit: Self.sampleLimit) }
        let needed = Swift.max(bufferedNormal, bufferedAbnormal) + n
        if needed > batchCapacity {
            // Buffers grow up to the batch size (small sets stay small), then are counted and reused.
            if batchCapacity < batchLimit {
                growBatch(to: Swift.min(batchLimit, Swift.max(needed, 2 * batchCapacity)))
            }
            if needed > batchCapacity {
                flush()
                if n > batchCapacity { growBatch(to: n) }
            }
        }
        var normal = bufferedNormal, abnormal = bufferedAbnormal
        normalKeys.withUnsafeMutableBufferPointer { normalOut in
            abnormalKeys.withUnsafeMutableBufferPointer { abnormalOut in
                for i in 0..<n {
                    let key = Self.orderKey(scores[i])
                    if labels[i] == 0 {
                        normalOut[normal] = key
                        normal += 1
                    } else {
                        abnormalOut[abnormal] = key
                        abnormal += 1
                    }
                }
            }
        }
        negatives += UInt64(normal - bufferedNormal)
        positives += UInt64(abnormal - bufferedAbnormal)
        bufferedNormal = normal
        bufferedAbnormal = abnormal
    }

    private mutating func growBatch(to capacity: Int) {
        let extra = capacity - batchCapacity
        normalKeys.append(contentsOf: repeatElement(0, count: extra))
        abnormalKeys.append(contentsOf: repeatElement(0, count: extra))
        sortScratch.append(contentsOf: repeatElement(0, count: extra))
        batchCapacity = capacity
    }

    /// Counts every buffered key: radix-sort each label's buffer by page (see `RadixSort` for why),
    /// then walk it page by page. O(buffered keys + touched pages).
    mutating func flush() {
        for label in [UInt8(0), 1] {
            let n = label == 0 ? bufferedNormal : bufferedAbnormal
            if n == 0 { continue }
            // Sort in a local so the buffer is not borrowed while the counters grow.
            var batch = label == 0 ? normalKeys : abnormalKeys
            if label == 0 { normalKeys = [] } else { abnormalKeys = [] }
            batch.withUnsafeMutableBufferPointer { k in
                sortScratch.withUnsafeMutableBufferPointer { scratch in
                    digitCounts.withUnsafeMutableBufferPointer { counts in
                        RadixSort.sortByPage(UnsafeMutableBufferPointer(rebasing: k[0..<n]), scratch: scratch, counts: counts)
                    }
                }
            }
            var i = 0
            while i < n {
                let page = Int(batch[i] >> UInt32(Self.offsetBits))
                var j = i + 1
                while j < n && Int(batch[j] >> UInt32(Self.offsetBits)) == page { j += 1 }
                batch.withUnsafeBufferPointer { countPage(UnsafeBufferPointer(rebasing: $0[i..<j]), page: page, label: label) }
                i = j
            }
            if label == 0 { normalKeys = batch } else { abnormalKeys = batch }
        }
        bufferedNormal = 0
        bufferedAbnormal = 0
    }

    /// Counts keys that all lie on `page` (in any order within it).
    private mutating func countPage(_ keys: UnsafeBufferPointer<UInt32>, page: Int, label: UInt8) {
        let offsetMask = UInt32(Self.pageSize - 1)
        var slot = Int(pageTable[page])
        if slot == 0 {
            sparse.append([])
            slot = -sparse.count
            pageTable[page] = Int32(slot)
            touchedPages.append(Int32(page))
        }
        if slot < 0 {
            let s = -slot - 1
            if sparse[s].count + keys.count < Self.sparseLimit {
                sparse[s].append(contentsOf: keys.lazy.map { UInt16(($0 & offsetMask) << 1) | UInt16(label) })
                return
            }
            slot = densify(page: page, sparseIndex: s)
        }
        let base = (slot - 1) * 2 * Self.pageSize + Int(label)
        dense.withUnsafeMutableBufferPointer { counts in
            for key in keys { counts[base + 2 * Int(key & offsetMask)] &+= 1 }
        }
    }

    /// Replaces a full sparse page by counters, frees its entry list, and returns the new slot.
    private mutating func densify(page: Int, sparseIndex s: Int) -> Int {
        let base = dense.count
        dense.append(contentsOf: repeatElement(0, count: 2 * Self.pageSize))
        for e in sparse[s] { dense[base + Int(e >> 1) * 2 + Int(e & 1)] &+= 1 }
        sparse[s] = []
        let slot = base / (2 * Self.pageSize) + 1
        pageTable[page] = Int32(slot)
        return slot
    }

    /// Calls `body(score, abnormal, normal)` once per distinct score, from the highest to the lowest.
    /// Reads the counters only: call `flush` first.
    /// Cost O(touched pages × (log + 4,096) + sparse entries · log).
    func forEachDescending(_ body: (Float, UInt64, UInt64) -> Void) {
        precondition(bufferedNormal == 0 && bufferedAbnormal == 0, "flush before reading the histogram")
        for page in touchedPages.sorted(by: >).map(Int.init) {
            let slot = Int(pageTable[page])
            let pageBase = UInt32(page) << UInt32(Self.offsetBits)
            if slot > 0 {
                dense.withUnsafeBufferPointer { counts in
                    let base = (slot - 1) * 2 * Self.pageSize
                    for offset in stride(from: Self.pageSize - 1, through: 0, by: -1) {
                        let normal = counts[base + 2 * offset], abnormal = counts[base + 2 * offset + 1]
                        if normal | abnormal != 0 {
                            body(Self.score(ofKey: pageBase | UInt32(offset)), UInt64(abnormal), UInt64(normal))
                        }
                    }
                }
            } else {
                let entries = sparse[-slot - 1]
                if entries.count < 2048 {
                    // Entries sort by offset, then label; walk them from the top down in runs of one offset.
                    let sorted = entries.sorted(by: >)
                    var k = 0
                    while k < sorted.count {
                        let offset = sorted[k] >> 1
                        var normal: UInt64 = 0, abnormal: UInt64 = 0
                        while k < sorted.count && sorted[k] >> 1 == offset {
                            if sorted[k] & 1 == 1 { abnormal += 1 } else { normal += 1 }
                            k += 1
                        }
                        body(Self.score(ofKey: pageBase | UInt32(offset)), abnormal, normal)
                    }
                } else {
                    // Larger lists: count them into one page of counters (O(entries + 8,192)) and walk that.
                    var counts = [UInt32](repeating: 0, count: 2 * Self.pageSize)
                    for e in entries { counts[Int(e)] += 1 }
                    for offset in stride(from: Self.pageSize - 1, through: 0, by: -1) where counts[2 * offset] | counts[2 * offset + 1] != 0 {
                        body(Self.score(ofKey: pageBase | UInt32(offset)), UInt64(counts[2 * offset + 1]), UInt64(counts[2 * offset]))
                    }
                }
            }
        }
    }

    /// Pages stored as counters (the rest are entry lists).
    var densePageCount: Int { dense.count / (2 * Self.pageSize) }

    /// Bytes held by the counters, entry lists, page table and batch buffers (capacity slack not counted).
    var approximateBytes: Int {
        pageTable.count * 4 + dense.count * 4 + sparse.reduce(0) { $0 + $1.count * 2 + 32 } + 3 * batchCapacity * 4
    }
}
