@testable import Metrics
import XCTest

/// AUROC and AP on cases whose answer follows from first principles, and the streaming histogram
/// against the in-memory sort on data built to exercise every storage path.
final class RankingMetricsTests: XCTestCase {
    /// Results are ratios of small integers computed in Double; 1e-12 leaves room for rounding only.
    let exact = 1e-12

    func value(_ r: MetricResult, file: StaticString = #filePath, line: UInt = #line) -> Double {
        guard let v = r.value else { XCTFail("undefined: \(r)", file: file, line: line); return .nan }
        return v
    }

    func testPerfectSeparationReversedAndTied() throws {
        let labels = [false, true, false, true, true, false]
        // Every abnormal above every normal: ROC passes through (0, 1), precision 1 at every recall.
        let perfect = try RankingMetrics.evaluate(scores: [0.1, 0.9, 0.2, 0.8, 0.7, 0.3], labels: labels)
        XCTAssertEqual(value(perfect.auroc), 1, accuracy: exact)
        XCTAssertEqual(value(perfect.averagePrecision), 1, accuracy: exact)
        // Every abnormal below every normal: AUROC 0; AP = mean over k of k/(3+k) for the 3 positives
        // reached after all 3 normals, each adding recall 1/3.
        let reversed = try RankingMetrics.evaluate(scores: [0.9, 0.1, 0.8, 0.2, 0.3, 0.7], labels: labels)
        XCTAssertEqual(value(reversed.auroc), 0, accuracy: exact)
        XCTAssertEqual(value(reversed.averagePrecision), (1.0 / 4 + 2.0 / 5 + 3.0 / 6) / 3, accuracy: exact)
        // One tie holding everything: a single ROC segment from (0,0) to (1,1), precision = prevalence.
        let tied = try RankingMetrics.evaluate(scores: [Double](repeating: 0.5, count: 6), labels: labels)
        XCTAssertEqual(value(tied.auroc), 0.5, accuracy: exact)
        XCTAssertEqual(value(tied.averagePrecision), 0.5, accuracy: exact)
    }

    func testPartialTieCountsHalf() throws {
        // One positive at 0.5, negatives at 0.5 and 0.2: it beats one and ties one → (1 + 0.5) / 2.
        let r = try RankingMetrics.evaluate(scores: [0.5, 0.5, 0.2], labels: [true, false, false])
        XCTAssertEqual(value(r.auroc), 0.75, accuracy: exact)
        // Single threshold group {0.5, 0.5} reaches recall 1 at precision 1/2.
        XCTAssertEqual(value(r.averagePrecision), 0.5, accuracy: exact)
    }

    func testPixelAccumulatorOnHandCases() throws {
        // Two 2×2 images: abnormal pixels 0.9, 0.8; normal pixels below them → perfect.
        var acc = PixelRankingAccumulator()
        try acc.add(map: [0.9, 0.1, 0.2, 0.8], mask: [1, 0, 0, 1], height: 2, width: 2)
        try acc.add(map: [0.3, 0.4, 0.1, 0.0], mask: [0, 0, 0, 0], height: 2, width: 2)
        XCTAssertEqual(value(acc.result().auroc), 1, accuracy: exact)
        XCTAssertEqual(value(acc.result().averagePrecision), 1, accuracy: exact)
        // −0 and +0 compare equal, so they must tie: everything tied → 0.5 and prevalence 1/4.
        var tied = PixelRankingAccumulator()
        try tied.add(map: [0, -0.0, 0, -0.0], mask: [1, 0, 0, 0], height: 1, width: 4)
        XCTAssertEqual(value(tied.result().auroc), 0.5, accuracy: exact)
        XCTAssertEqual(value(tied.result().averagePrecision), 0.25, accuracy: exact)
        // Reversed, with negative scores and infinities (order keys must order them all).
        var reversed = PixelRankingAccumulator()
        try reversed.add(map: [-.infinity, -3, 2, .infinity, -1e-30], mask: [1, 1, 0, 0, 1], height: 1, width: 5)
        XCTAssertEqual(value(reversed.result().auroc), 0, accuracy: exact)
    }

    /// A deterministic generator, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testStreamingHistogramEqualsInMemorySort() throws {
        // Values: heavy ties (a few pages turn dense past 16,384 pixels), a continuous spread over
        // many binades (sparse pages), negatives and zeros of both signs.
        var rng = SplitMix(state: 42)
        let (n, h, w) = (16, 48, 48)
        var maps: [Float] = []
        var masks: [UInt8] = []
        for image in 0..<n {
            for _ in 0..<(h * w) {
                let abnormal = image % 3 != 0 && Double.random(in: 0..<1, using: &rng) < 0.2
                let u = Double.random(in: 0..<1, using: &rng)
                let v: Float
                switch u {
                case ..<0.6: v = abnormal || u >= 0.1 ? 0.5 : 0.25
                case ..<0.9: v = Float(Double.random(in: -12...2, using: &rng)).magnitude.squareRoot() * (abnormal ? 1.3 : 1)
                case ..<0.95: v = u < 0.925 ? 0 : -0.0
                default: v = -Float.random(in: 0..<1e-3, using: &rng)
                }
                maps.append(v)
                masks.append(abnormal ? 1 : 0)
            }
        }
        let plane = h * w
        let sorted = try RankingMetrics.evaluate(scores: maps, labels: masks.map { $0 == 1 }, kind: .pixels)
        // Default batching (one flush at the end), and batches smaller than one image (a flush per
        // image and buffers grown to fit) or a few images (flushes mid-stream).
        for batch in [nil, 1000, 5000] {
            var acc = batch.map { PixelRankingAccumulator(batch: $0) } ?? PixelRankingAccumulator()
            for i in 0..<n {
                try acc.add(map: Array(maps[i * plane..<(i + 1) * plane]), mask: Array(masks[i * plane..<(i + 1) * plane]), height: h, width: w)
            }
            let streamed = acc.result()
            XCTAssertGreaterThan(acc.densePageCount, 0, "no page turned dense: the test misses that path")
            // Same exact grouping, different summation (integer Mann–Whitney vs Double trapezoids).
            XCTAssertEqual(value(streamed.auroc), value(sorted.auroc), accuracy: exact, "batch \(batch.map(String.init) ?? "default")")
            XCTAssertEqual(value(streamed.averagePrecision), value(sorted.averagePrecision), accuracy: exact)
            XCTAssertEqual(acc.range.minimum, maps.min())
            XCTAssertEqual(acc.range.maximum, maps.max())
        }
    }
}
