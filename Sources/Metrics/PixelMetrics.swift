/// Pixel-level metrics of a small test set held in memory: flat arrays of `imageCount` maps and
/// masks, each height × width, row-major (the layout of an [N, H, W] tensor).
///
/// AUROC and AP sort every pixel (`RankingMetrics`: O(n log n) time, O(n) memory); AUPRO runs the
/// two passes of `PROAccumulator`. For whole test sets use `PixelRankingAccumulator` and
/// `PROAccumulator` directly, which keep no maps.
public enum PixelMetrics {
    /// The three pixel-level numbers of a MedVMAD evaluation, and the PRO curve behind AUPRO.
    public struct Report: Sendable, Equatable {
        public let auroc: MetricResult
        public let averagePrecision: MetricResult
        /// MedVMAD/AnomalyCLIP AUPRO (`PROCurve.aupro`, FPR limit 0.3).
        public let aupro: MetricResult
        public let curve: PROCurve
    }

    /// Pixel AUROC, pixel AP and AUPRO of the set.
    public static func evaluate(maps: [Float], masks: [UInt8], imageCount: Int, height: Int, width: Int) throws -> Report {
        try checkFlat(maps: maps, masks: masks, imageCount: imageCount, height: height, width: width)
        let plane = height * width
        var range = ScoreRange()
        try forEachImage(maps: maps, masks: masks, imageCount: imageCount, plane: plane) { image, map, mask in
            try PixelInput.validate(image: image, map: map, mask: mask, height: height, width: width)
            do { try range.add(map: map) } catch MetricsError.notANumber(_, let p) {
                throw MetricsError.notANumber(image: image, position: p)
            }
        }
        let ranking = try RankingMetrics.evaluate(scores: maps, labels: masks.map { $0 != 0 }, kind: .pixels)
        var second = PROAccumulator(thresholds: PROThresholds(range: range))
        try forEachImage(maps: maps, masks: masks, imageCount: imageCount, plane: plane) { _, map, mask in
            try second.add(map: map, mask: mask, height: height, width: width)
        }
        let curve = try second.curve()
        return Report(auroc: ranking.auroc, averagePrecision: ranking.averagePrecision, aupro: curve.aupro(), curve: curve)
    }

    static func checkFlat(maps: [Float], masks: [UInt8], imageCount: Int, height: Int, width: Int) throws {
        guard height > 0, width > 0, imageCount >= 0 else { throw MetricsError.invalidShape(image: 0, height: height, width: width) }
        let expected = imageCount * height * width
        guard maps.count == expected else { throw MetricsError.flatSizeMismatch(what: "maps", expected: expected, found: maps.count) }
        guard masks.count == expected else { throw MetricsError.flatSizeMismatch(what: "masks", expected: expected, found: masks.count) }
    }

    private static func forEachImage(
        maps: [Float], masks: [UInt8], imageCount: Int, plane: Int,
        _ body: (Int, UnsafeBufferPointer<Float>, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        try maps.withUnsafeBufferPointer { allMaps in
            try masks.withUnsafeBufferPointer { allMasks in
                for image in 0..<imageCount {
                    try body(
                        image,
                        UnsafeBufferPointer(rebasing: allMaps[image * plane..<(image + 1) * plane]),
                        UnsafeBufferPointer(rebasing: allMasks[image * plane..<(image + 1) * plane]))
                }
            }
        }
    }
}
