@testable import Metrics
import XCTest

final class PROTests: XCTestCase {
    /// numpy 2.4.6, `np.arange(lo, hi, (hi - lo) / 200)` on float32-widened bounds: the count and
    /// two values, bit for bit (hex literals printed by numpy's `float.hex`).
    func testThresholdGridMatchesNumpyArange() {
        let a = PROThresholds(minimum: Double(Float(0.01)), maximum: Double(Float(0.8)))
        XCTAssertEqual(a.values.count, 201, "rounding gives numpy a 201st threshold here")
        XCTAssertEqual(a.values[137], 0x1.1a305577eb851p-1)
        XCTAssertEqual(a.values[200], 0x1.999999fffffffp-1)
        let b = PROThresholds(minimum: Double(Float(0.2)), maximum: Double(Float(0.9)))
        XCTAssertEqual(b.values.count, 200)
        // numpy steps by (t₁ − t₀), not by δ: min + 137·δ would end in …0a3d8.
        XCTAssertEqual(b.values[137], 0x1.5be76c070a3e2p-1)
        XCTAssertTrue(PROThresholds(minimum: 1, maximum: 1).values.isEmpty)
    }

    /// The reference algorithm written out literally (a loop over thresholds, `map > t`, regions by
    /// flood fill inside the loop), compared with the accumulator's single pass on random maps with ties.
    func testAccumulatorMatchesLiteralThresholdLoop() throws {
        var rng = RankingMetricsTests.SplitMix(state: 3)
        let (n, h, w) = (6, 12, 10)
        var maps: [Float] = [], masks: [UInt8] = []
        for image in 0..<n {
            for _ in 0..<(h * w) {
                let abnormal = image % 2 == 1 && Double.random(in: 0..<1, using: &rng) < 0.3
                var v = Float.random(in: 0..<1, using: &rng) + (abnormal ? 0.4 : 0)
                if image == 2 { v = (v * 4).rounded() / 4 }  // ties on grid points
                maps.append(v)
                masks.append(abnormal ? 1 : 0)
            }
        }
        let report = try PixelMetrics.evaluate(maps: maps, masks: masks, imageCount: n, height: h, width: w)
        let curve = report.curve

        let thresholds = PROThresholds(minimum: Double(maps.min()!), maximum: Double(maps.max()!)).values
        XCTAssertEqual(curve.thresholds, thresholds)
        let plane = h * w
        let normals = masks.filter { $0 == 0 }.count
        for (ti, t) in thresholds.enumerated() {
            var overlaps: [Double] = []
            var falsePositives = 0
            for image in 0..<n {
                var seen = [Bool](repeating: false, count: plane)
                for start in 0..<plane where masks[image * plane + start] == 1 && !seen[start] {
                    var queue = [start], k = 0, hit = 0
                    seen[start] = true
                    while k < queue.count {
                        let p = queue[k]
                        k += 1
                        if Double(maps[image * plane + p]) > t { hit += 1 }
                        for dy in -1...1 {
                            for dx in -1...1 {
                                let (y, x) = (p / w + dy, p % w + dx)
                                guard y >= 0, y < h, x >= 0, x < w, masks[image * plane + y * w + x] == 1, !seen[y * w + x] else { continue }
                                seen[y * w + x] = true
                                queue.append(y * w + x)
                            }
                        }
                    }
                    overlaps.append(Double(hit) / Double(queue.count))
                }
                for p in 0..<plane where masks[image * plane + p] == 0 && Double(maps[image * plane + p]) > t { falsePositives += 1 }
            }
            // Sums of the same terms in the same order: equal up to the last bit or two.
            XCTAssertEqual(curve.pro[ti], overlaps.reduce(0, +) / Double(overlaps.count), accuracy: 1e-14, "PRO at threshold \(ti)")
            XCTAssertEqual(curve.fpr[ti], Double(falsePositives) / Double(normals), "FPR at threshold \(ti)")
        }
    }

    func testAreaRescalingOnHandCurve() {
        // Kept points (FPR < 0.3): (0.2, 0.5), (0.1, 0.8), (0.0, 0.9); the 0.3 point is cut (strict).
        let curve = PROCurve(thresholds: [0, 1, 2, 3], pro: [1, 0.5, 0.8, 0.9], fpr: [0.3, 0.2, 0.1, 0], regionCount: 1, normalPixelCount: 10)
        // min–max: x = 1, 0.5, 0 → 0.5·(0.5+0.8)/2 + 0.5·(0.8+0.9)/2 = 0.75.
        XCTAssertEqual(curve.aupro().value!, 0.75, accuracy: 1e-15)
        // ÷max: x = 1, 0.5, 0 as well (min is 0) → the same here.
        XCTAssertEqual(curve.auproDividedByMax().value!, 0.75, accuracy: 1e-15)
        // With min FPR 0.05 the two rescalings differ: x = 1, 1/3 (min–max) vs 1, 0.5, 0.25 (÷max).
        let shifted = PROCurve(thresholds: [0, 1, 2], pro: [0.5, 0.8, 0.9], fpr: [0.2, 0.1, 0.05], regionCount: 1, normalPixelCount: 20)
        let minMax: Double = (2.0 / 3) * 1.3 / 2 + (1.0 / 3) * 1.7 / 2
        let byMax: Double = 0.5 * 1.3 / 2 + 0.25 * 1.7 / 2
        XCTAssertEqual(shifted.aupro().value!, minMax, accuracy: 1e-15)
        XCTAssertEqual(shifted.auproDividedByMax().value!, byMax, accuracy: 1e-15)
    }

    func testExactAUPROFirstPrinciples() throws {
        // Abnormal pixels above every normal: the mean ROC reaches PRO 1 at FPR 0 → area 1.
        let perfect = try ExactPRO.aupro(maps: [0.9, 0.1, 0.2, 0.8, 0.3, 0.0], masks: [1, 0, 0, 1, 0, 0], imageCount: 1, height: 2, width: 3)
        XCTAssertEqual(perfect.value!, 1, accuracy: 1e-15)
        // Below every normal: PRO stays 0 until FPR 1 → 0.
        let reversed = try ExactPRO.aupro(maps: [0.0, 0.9, 0.8, 0.1, 0.7, 0.6], masks: [1, 0, 0, 1, 0, 0], imageCount: 1, height: 2, width: 3)
        XCTAssertEqual(reversed.value!, 0, accuracy: 1e-15)
        // All tied: the curve is the diagonal PRO = FPR, area to 0.3 is 0.045, / 0.3 = 0.15.
        let tied = try ExactPRO.aupro(maps: [Float](repeating: 1, count: 6), masks: [1, 0, 0, 0, 0, 1], imageCount: 1, height: 2, width: 3)
        XCTAssertEqual(tied.value!, 0.15, accuracy: 1e-15)
        // Two regions (one pixel each, not touching) and 10 normals at 0…0.9: region A at 2 beats all
        // normals; region B at 0.75 beats 8. Mean curve: PRO ½ from FPR 0, steps to 1 at FPR 0.2;
        // area to 0.3 = 0.2·½ + 0.1·1 = 0.2 → / 0.3.
        var map: [Float] = [2, 5, 0.75]
        map += (0..<10).map { Float($0) / 10 }
        var mask: [UInt8] = [1, 0, 1] + [UInt8](repeating: 0, count: 10)
        map[1] = 0.05  // a normal between the two regions so they are not adjacent
        mask[1] = 0
        let twoRegions = try ExactPRO.aupro(maps: map, masks: mask, imageCount: 1, height: 1, width: 13)
        // Normals now 11: 0.05 and 0…0.9; B (0.75) beats 9 of them (FPR 2/11 above it).
        let expected: Double = ((2.0 / 11) * 0.5 + (0.3 - 2.0 / 11) * 1) / 0.3
        XCTAssertEqual(twoRegions.value!, expected, accuracy: 1e-14)
    }

    /// The exact integral against its definition taken literally: one ROC curve per region (its
    /// pixels against every normal pixel), each integrated to FPR 0.3 on its own, then averaged.
    func testExactAUPROEqualsMeanOfPerRegionCurves() throws {
        var rng = RankingMetricsTests.SplitMix(state: 5)
        let (n, h, w) = (4, 10, 9)
        var maps: [Float] = [], masks: [UInt8] = []
        for image in 0..<n {
            for _ in 0..<(h * w) {
                let abnormal = image != 0 && Double.random(in: 0..<1, using: &rng) < 0.25
                let v = ((Float.random(in: 0..<1, using: &rng) + (abnormal ? 0.5 : 0)) * 10).rounded() / 10  // ties
                maps.append(v)
                masks.append(abnormal ? 1 : 0)
            }
        }
        let plane = h * w
        let normalScores = (0..<maps.count).filter { masks[$0] == 0 }.map { maps[$0] }
        var areas: [Double] = []
        for image in 0..<n {
            let c = ConnectedComponents(mask: Array(masks[image * plane..<(image + 1) * plane]), height: h, width: w)
            for r in stride(from: 1, through: c.count, by: 1) {
                let region = (0..<plane).filter { c.labels[$0] == Int32(r) }.map { maps[image * plane + $0] }
                // ROC points at every distinct threshold, highest first, from (0, 0).
                let thresholds = Set(region + normalScores).sorted(by: >)
                var points = [(0.0, 0.0)]
                for t in thresholds {
                    points.append((Double(normalScores.filter { $0 >= t }.count) / Double(normalScores.count),
                                   Double(region.filter { $0 >= t }.count) / Double(region.count)))
                }
                var area = 0.0
                for k in 1..<points.count {
                    let (x0, y0) = points[k - 1], (x1, y1) = points[k]
                    if x1 <= 0.3 { area += (x1 - x0) * (y0 + y1) / 2; continue }
                    if x0 < 0.3 { area += (0.3 - x0) * (y0 + (y0 + (y1 - y0) * (0.3 - x0) / (x1 - x0))) / 2 }
                    break
                }
                areas.append(area / 0.3)
            }
        }
        XCTAssertGreaterThan(areas.count, 3)
        let exact = try ExactPRO.aupro(maps: maps, masks: masks, imageCount: n, height: h, width: w)
        // Same quantity summed in another order: agreement to rounding.
        XCTAssertEqual(exact.value!, areas.reduce(0, +) / Double(areas.count), accuracy: 1e-12)
    }
}
