import Metrics
import XCTest

final class ConnectedComponentsTests: XCTestCase {
    func testDiagonalPixelsJoinUnderEightConnectivity() {
        let mask: [UInt8] = [
            1, 0, 0, 1,
            0, 1, 0, 1,
            0, 0, 0, 0,
            1, 1, 0, 1,
        ]
        let c = ConnectedComponents(mask: mask, height: 4, width: 4)
        // (0,0)–(1,1) touch by a corner: one region. Numbered in raster order of first pixels.
        XCTAssertEqual(c.count, 4)
        XCTAssertEqual(c.sizes, [2, 2, 2, 1])
        XCTAssertEqual(c.labels, [
            1, 0, 0, 2,
            0, 1, 0, 2,
            0, 0, 0, 0,
            3, 3, 0, 4,
        ])
    }

    func testAntiDiagonalAndUShapeMerge() {
        // The anti-diagonal reaches back through the north-east neighbour; the U's two arms get
        // different provisional labels that must be merged at the bottom row.
        let mask: [UInt8] = [
            0, 1, 0, 1, 0,
            1, 0, 0, 1, 0,
            0, 0, 1, 1, 0,
            0, 0, 0, 0, 0,
            1, 0, 1, 0, 1,
            1, 0, 1, 0, 1,
            1, 1, 1, 1, 1,
        ]
        let c = ConnectedComponents(mask: mask, height: 7, width: 5)
        XCTAssertEqual(c.sizes, [2, 4, 11])
    }

    /// Breadth-first flood fill, written independently, on random masks.
    func testMatchesFloodFill() {
        var rng = RankingMetricsTests.SplitMix(state: 7)
        for trial in 0..<20 {
            let (h, w) = (3 + trial % 9, 2 + (trial * 5) % 11)
            let density = [0.2, 0.45, 0.6][trial % 3]
            let mask = (0..<(h * w)).map { _ in UInt8(Double.random(in: 0..<1, using: &rng) < density ? 1 : 0) }
            var seen = [Bool](repeating: false, count: h * w)
            var sizes: [Int] = []
            for start in 0..<(h * w) where mask[start] == 1 && !seen[start] {
                var queue = [start]
                seen[start] = true
                var k = 0
                while k < queue.count {
                    let (y, x) = (queue[k] / w, queue[k] % w)
                    k += 1
                    for dy in -1...1 {
                        for dx in -1...1 where (dy, dx) != (0, 0) {
                            let (ny, nx) = (y + dy, x + dx)
                            guard ny >= 0, ny < h, nx >= 0, nx < w, mask[ny * w + nx] == 1, !seen[ny * w + nx] else { continue }
                            seen[ny * w + nx] = true
                            queue.append(ny * w + nx)
                        }
                    }
                }
                sizes.append(queue.count)
            }
            let c = ConnectedComponents(mask: mask, height: h, width: w)
            XCTAssertEqual(c.sizes, sizes, "trial \(trial) (\(h)×\(w))")
        }
    }
}
