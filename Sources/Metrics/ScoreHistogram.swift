/// Exact (normal, abnormal) counts for every distinct Float32 score seen.
///
/// Why a histogram of bit patterns and not sorted runs: scores are Float32, so a distinct score is a
/// distinct 32-bit pattern (after merging −0 into +0, which compare equal) and counting by pattern
/// groups ties exactly as scikit-learn does on the float64-widened values. Each pixel costs O(1)
/// (no sort, no merge), and memory grows with the number of distinct values rather than pixels.
///
/// Layout: the 32-bit order key (see `orderKey`) is split into a 20-bit page number and a 12-bit
/// offset. A page starts *sparse* (a list of 16-bit entries `offset << 1 | label`, one per pixel) and
/// becomes *dense* (4,096 × (normal, abnormal) UInt32 counters, 32 KiB) once it holds
/// `sparseLimit` pixels. Memory is therefore about min(2 B per pixel, 8 B per representable Float in
/// the touched pages) + a 4 MiB page table, with at most 32 KiB per page: scattered values stay
/// cheap, and a smooth map dense in [0, 4) needs about 8 B per representable value (~67 MB per
/// binade) however many pixels land there.
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
    /// Scratch: indices of pixels whose page is not dense, so the hot loop never grows storage.
    private var pendingPixels: [UInt32] = []
    private(set) var positives: UInt64 = 0
    private(set) var negatives: UInt64 = 0

    init() { pageTable = [Int32](repeating: 0, count: Self.pageCount) }

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
    /// Cost O(pixels); allocation only when a page is first touched or turns dense.
    mutating func add(scores: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<UInt8>) throws {
        precondition(scores.count == labels.count)
        let n = scores.count
        guard positives + negatives + UInt64(n) <= Self.sampleLimit else { throw MetricsError.tooManySamples(limit: Self.sampleLimit) }
        if pendingPixels.count < n { pendingPixels = [UInt32](repeating: 0, count: n) }
        var pending = 0
        var abnormal = 0
        // Hot pass: pixels of dense pages are counted in place; the others are only noted, so that
        // no storage grows while its buffer pointer is held.
        pageTable.withUnsafeBufferPointer { table in
            dense.withUnsafeMutableBufferPointer { counts in
                pendingPixels.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        let key = Self.orderKey(scores[i])
                        let label = Int(labels[i])
                        abnormal &+= label
                        let slot = Int(table[Int(key >> UInt32(Self.offsetBits))])
                        if slot > 0 {
                            let offset = Int(key & UInt32(Self.pageSize - 1))
                            counts[(slot - 1) * 2 * Self.pageSize + 2 * offset + label] &+= 1
                        } else {
                            out[pending] = UInt32(i)
                            pending += 1
                        }
                    }
                }
            }
        }
        for j in 0..<pending {
            let i = Int(pendingPixels[j])
            insert(key: Self.orderKey(scores[i]), label: labels[i])
        }
        positives += UInt64(abnormal)
        negatives += UInt64(n - abnormal)
    }

    /// Slow path: a pixel whose page is untouched or sparse (the page may turn dense on the way).
    private mutating func insert(key: UInt32, label: UInt8) {
        let page = Int(key >> UInt32(Self.offsetBits))
        let offset = Int(key & UInt32(Self.pageSize - 1))
        var slot = Int(pageTable[page])
        if slot == 0 {
            sparse.append([])
            slot = -sparse.count
            pageTable[page] = Int32(slot)
            touchedPages.append(Int32(page))
        }
        if slot > 0 {
            dense[(slot - 1) * 2 * Self.pageSize + 2 * offset + Int(label)] &+= 1
            return
        }
        let s = -slot - 1
        sparse[s].append(UInt16(offset << 1) | UInt16(label))
        if sparse[s].count >= Self.sparseLimit { densify(page: page, sparseIndex: s) }
    }

    /// Replaces a full sparse page by counters and frees its entry list.
    private mutating func densify(page: Int, sparseIndex s: Int) {
        let base = dense.count
        dense.append(contentsOf: repeatElement(0, count: 2 * Self.pageSize))
        for e in sparse[s] { dense[base + Int(e >> 1) * 2 + Int(e & 1)] &+= 1 }
        sparse[s] = []
        pageTable[page] = Int32(base / (2 * Self.pageSize) + 1)
    }

    /// Calls `body(score, abnormal, normal)` once per distinct score, from the highest to the lowest.
    /// Cost O(touched pages × (log + 4,096) + sparse entries · log).
    func forEachDescending(_ body: (Float, UInt64, UInt64) -> Void) {
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
                // Entries sort by offset, then label; walk them from the top down in runs of one offset.
                let entries = sparse[-slot - 1].sorted(by: >)
                var k = 0
                while k < entries.count {
                    let offset = entries[k] >> 1
                    var normal: UInt64 = 0, abnormal: UInt64 = 0
                    while k < entries.count && entries[k] >> 1 == offset {
                        if entries[k] & 1 == 1 { abnormal += 1 } else { normal += 1 }
                        k += 1
                    }
                    body(Self.score(ofKey: pageBase | UInt32(offset)), abnormal, normal)
                }
            }
        }
    }

    /// Pages stored as counters (the rest are entry lists).
    var densePageCount: Int { dense.count / (2 * Self.pageSize) }

    /// Bytes held by the counters, entry lists and page table (capacity not counted).
    var approximateBytes: Int {
        pageTable.count * 4 + dense.count * 4 + sparse.reduce(0) { $0 + $1.count * 2 + 32 }
    }
}
