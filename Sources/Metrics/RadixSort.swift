/// LSD radix sort of 32-bit keys by their top 20 bits (two 10-bit digits), ascending.
///
/// Why: `ScoreHistogram` sorts its buffered keys before counting them so that the counters are
/// touched in address order. A histogram of ~10⁸ distinct values spans hundreds of MB, and
/// counting pixels in arrival order costs a cache miss per pixel (~100 ns); sorted, the pages
/// stream through the cache. Only the page number (the top 20 bits) needs ordering: a 32 KiB page
/// stays in cache while its keys are counted in any order. O(n) time (one counting pass + ≤ 2
/// scatter passes; a digit every key shares is skipped), caller-supplied scratch, no allocation.
enum RadixSort {
    static let digitBits = 10
    static let buckets = 1 << digitBits
    /// Bits below the sorted ones (the offset within a histogram page).
    static let ignoredBits = 12

    /// Orders `keys` by `key >> 12`, using `scratch` (at least `keys.count` long) and `counts`
    /// (at least 2 × 1,024 long) as work space.
    static func sortByPage(_ keys: UnsafeMutableBufferPointer<UInt32>, scratch: UnsafeMutableBufferPointer<UInt32>, counts: UnsafeMutableBufferPointer<Int>) {
        let n = keys.count
        if n < 2 { return }
        precondition(scratch.count >= n && counts.count >= 2 * buckets)
        let mask = UInt32(buckets - 1)
        let low = UInt32(ignoredBits), high = UInt32(ignoredBits + digitBits)
        for i in 0..<(2 * buckets) { counts[i] = 0 }
        for i in 0..<n {
            let k = keys[i]
            counts[Int((k >> low) & mask)] += 1
            counts[buckets + Int(k >> high)] += 1
        }
        var source = keys.baseAddress!, target = scratch.baseAddress!
        for pass in 0..<2 {
            let base = pass * buckets
            let shift = pass == 0 ? low : high
            // A digit shared by every key leaves the order as it is.
            if counts[base + Int((source[0] >> shift) & mask)] == n { continue }
            var sum = 0
            for b in 0..<buckets {
                let c = counts[base + b]
                counts[base + b] = sum
                sum += c
            }
            for i in 0..<n {
                let k = source[i]
                let d = base + Int((k >> shift) & mask)
                target[counts[d]] = k
                counts[d] += 1
            }
            swap(&source, &target)
        }
        if source != keys.baseAddress! { keys.baseAddress!.update(from: source, count: n) }
    }
}
