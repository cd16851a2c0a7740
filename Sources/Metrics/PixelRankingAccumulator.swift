/// Pixel AUROC and pixel AP over a whole test set, one (map, mask) at a time, exact.
///
/// Every pixel of every image is one sample (normal images contribute negatives only), as in
/// `roc_auc_score(masks.ravel(), maps.ravel())`. Maps are not kept: each image is folded into a
/// `ScoreHistogram` of exact counts per distinct Float32 value, so the result equals the
/// in-memory computation while memory follows the number of distinct values (see `ScoreHistogram`).
///
/// Cost: `add` is O(pixels), amortised O(1) per pixel (buffer, radix sort by page, count);
/// `result()` is O(distinct values + 4,096 × touched pages). Measured in a release build on a
/// shared, heavily loaded 2-core machine: 3,000 noisy maps of 336 × 336 (3.4 × 10⁸ pixels) in
/// about 12 s of CPU time for all `add` calls plus 0.3 s for `result()`, 246 MB of counters.
/// The accumulator also records the maps' `range`, which is the first pass of the AUPRO evaluation.
public struct PixelRankingAccumulator: Sendable {
    private var histogram: ScoreHistogram
    /// Minimum and maximum over all maps so far (the AUPRO threshold range).
    public private(set) var range = ScoreRange()
    /// Images added so far; also the index that errors name.
    public private(set) var imageCount = 0

    public init() { histogram = ScoreHistogram() }

    /// An accumulator that counts its buffered pixels every `batch` pixels (tests of the flush path).
    init(batch: Int) { histogram = ScoreHistogram(batch: batch) }

    /// Adds one image: `map` and `mask` hold height × width values, row-major; mask values are 0 or 1.
    /// Throws (and adds nothing) on a size mismatch, a NaN, or a non-binary mask value.
    public mutating func add(map: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<UInt8>, height: Int, width: Int) throws {
        try PixelInput.validate(image: imageCount, map: map, mask: mask, height: height, width: width)
        var r = range
        try r.add(map: map)
        try histogram.add(scores: map, labels: mask)
        range = r
        imageCount += 1
    }

    /// Array convenience for `add(map:mask:height:width:)`.
    public mutating func add(map: [Float], mask: [UInt8], height: Int, width: Int) throws {
        try map.withUnsafeBufferPointer { m in
            try mask.withUnsafeBufferPointer { try add(map: m, mask: $0, height: height, width: width) }
        }
    }

    /// Pixel AUROC and AP of everything added so far. Mutating because buffered pixels are
    /// counted first; more images may be added afterwards.
    ///
    /// AUROC is the Mann–Whitney form of the trapezoidal ROC area, summed exactly in integers
    /// (Σ over distinct values of abnormal·(2·normal-below + normal-tied)) and divided once in
    /// Double; AP is the scikit-learn step sum over distinct values, from the highest down.
    public mutating func result() -> RankingMetrics.Result {
        histogram.flush()
        let p = histogram.positives, n = histogram.negatives
        if let why = RankingMetrics.undefinedReason(positives: Int(p), negatives: Int(n), kind: .pixels) {
            return RankingMetrics.Result(auroc: .undefined(why), averagePrecision: .undefined(why))
        }
        var twiceU: UInt64 = 0
        var tps: UInt64 = 0, fps: UInt64 = 0
        var ap = 0.0
        histogram.forEachDescending { _, abnormal, normal in
            // Normals strictly below this value: n − (normals at or above it).
            let below = n - fps - normal
            twiceU += abnormal * (2 * below + normal)
            tps += abnormal
            fps += normal
            if abnormal > 0 { ap += Double(abnormal) / Double(p) * (Double(tps) / Double(tps + fps)) }
        }
        let auroc = Double(twiceU) / (2 * Double(p) * Double(n))
        return RankingMetrics.Result(auroc: .value(auroc), averagePrecision: .value(ap))
    }

    /// Pages of the histogram stored as counters (for tests of the storage paths).
    var densePageCount: Int { histogram.densePageCount }

    /// Bytes held by the exact counters (for memory reports).
    public var approximateBytes: Int { histogram.approximateBytes }
}
