import Foundation
import Metrics
import XCTest

/// Opt-in scale check (slow in debug builds): set MEDVMAD_METRICS_BENCH=1 and run in release,
/// `MEDVMAD_METRICS_BENCH=1 swift test -c release --filter MetricsBenchmarkTests`.
/// MEDVMAD_METRICS_BENCH_IMAGES overrides the image count (default 3,000 maps of 336 × 336).
final class MetricsBenchmarkTests: XCTestCase {
    func testStreamingPixelMetricsAtTestSetScale() throws {
        let env = ProcessInfo.processInfo.environment
        try XCTSkipUnless(env["MEDVMAD_METRICS_BENCH"] == "1", "set MEDVMAD_METRICS_BENCH=1 to run")
        let count = Int(env["MEDVMAD_METRICS_BENCH_IMAGES"] ?? "") ?? 3000
        let side = 336
        var rng = RankingMetricsTests.SplitMix(state: 11)
        var map = [Float](repeating: 0, count: side * side)
        var mask = [UInt8](repeating: 0, count: side * side)
        var rowWave = [Float](repeating: 0, count: side), colWave = [Float](repeating: 0, count: side)

        // Smooth maps in [0, 4) with per-pixel noise, like summed per-level probabilities: nearly
        // every pixel a new Float value, dense over several binades.
        func makeImage(_ i: Int) {
            let a = Float.random(in: 0.01...0.05, using: &rng), b = Float.random(in: 0.01...0.05, using: &rng)
            for k in 0..<side {
                rowWave[k] = sin(Float(k) * a + Float(i))
                colWave[k] = cos(Float(k) * b)
            }
            let lesion = i % 2 == 1
            let (top, left, size) = (i % 200, (i * 7) % 200, 20 + i % 100)
            var state = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
            for y in 0..<side {
                for x in 0..<side {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let noise = Float(state >> 40) / Float(1 << 24)
                    let inside = lesion && y >= top && y < top + size && x >= left && x < left + size
                    map[y * side + x] = 1.2 + rowWave[y] * colWave[x] + 0.3 * noise + (inside ? 1.2 : 0)
                    mask[y * side + x] = inside ? 1 : 0
                }
            }
        }

        var generation = 0.0, firstPass = 0.0, secondPass = 0.0
        var first = PixelRankingAccumulator()
        for i in 0..<count {
            var t = Date()
            makeImage(i)
            generation += Date().timeIntervalSince(t)
            t = Date()
            try first.add(map: map, mask: mask, height: side, width: side)
            firstPass += Date().timeIntervalSince(t)
        }
        var t = Date()
        let ranking = first.result()
        let resultTime = Date().timeIntervalSince(t)
        var second = PROAccumulator(thresholds: PROThresholds(range: first.range))
        for i in 0..<count {
            makeImage(i)
            t = Date()
            try second.add(map: map, mask: mask, height: side, width: side)
            secondPass += Date().timeIntervalSince(t)
        }
        let aupro = try second.curve().aupro()
        let pixels = Double(count * side * side)
        print(String(format: "%d maps (%.0f M pixels): generation %.1f s; AUROC/AP pass %.1f s + result %.2f s; AUPRO pass %.1f s; histogram %.0f MB",
                     count, pixels / 1e6, generation, firstPass, resultTime, secondPass, Double(first.approximateBytes) / 1e6))
        print("pixel AUROC \(ranking.auroc), AP \(ranking.averagePrecision), AUPRO \(aupro)")
        XCTAssertNotNil(ranking.auroc.value)
        XCTAssertNotNil(aupro.value)
    }
}
