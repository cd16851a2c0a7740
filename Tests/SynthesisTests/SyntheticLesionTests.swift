import XCTest
@testable import Synthesis

final class SyntheticLesionTests: XCTestCase {
    /// On a flat background the intensity added at each pixel is w·contrast·(peak − base); the mask must be
    /// exactly the pixels where that reaches half its full value, judged from the image alone.
    func testMaskIsWhereAddedIntensityReachesHalf() {
        let n = 96
        var rng = SeededRandom(seed: 3)
        for trial in 0..<20 {
            var lesion = SyntheticLesion.random(centerX: 48.3, centerY: 47.6, radiusRange: 3...25, contrastRange: 0.15...0.9, using: &rng)
            lesion.texture = 0  // uniform lesion: the added intensity is then a pure function of the weight
            let base: UInt8 = 100
            var grey = [UInt8](repeating: base, count: n * n)
            var mask = [UInt8](repeating: 0, count: n * n)
            lesion.apply(to: &grey, mask: &mask, brain: [UInt8](repeating: 1, count: n * n), size: n)
            let full = lesion.contrast * (lesion.peak - Double(base))
            var maskCount = 0
            for i in 0..<(n * n) {
                let added = Double(grey[i]) - Double(base)
                if mask[i] != 0 { maskCount += 1 }
                // Stored values are rounded to integers: within half a grey level of the threshold either side is right.
                if abs(added - 0.5 * full) <= 0.5 { continue }
                XCTAssertEqual(mask[i] != 0, added > 0.5 * full, "trial \(trial), pixel \(i): added \(added), full \(full)")
            }
            XCTAssertGreaterThan(maskCount, 0, "trial \(trial): empty mask")
        }
    }

    func testLesionOutsideAllowedRegionDoesNotFit() {
        let n = 64
        var allowed = [UInt8](repeating: 0, count: n * n)
        for y in 10..<54 { for x in 10..<54 { allowed[y * n + x] = 1 } }
        var rng = SeededRandom(seed: 1)
        var lesion = SyntheticLesion.random(centerX: 32, centerY: 32, radiusRange: 5...5, contrastRange: 0.5...0.5, using: &rng)
        XCTAssertTrue(lesion.fits(in: allowed, size: n))
        lesion.centerX = 12
        XCTAssertFalse(lesion.fits(in: allowed, size: n))
    }

    func testSeededRandomIsDeterministicAndStreamsDiffer() {
        var a = SeededRandom(seed: 42, stream: "train/Ungood/0")
        var b = SeededRandom(seed: 42, stream: "train/Ungood/0")
        var c = SeededRandom(seed: 42, stream: "train/Ungood/1")
        let sa = (0..<100).map { _ in a.next() }, sb = (0..<100).map { _ in b.next() }, sc = (0..<100).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        var u = SeededRandom(seed: 9)
        for _ in 0..<10_000 {
            let x = u.uniform()
            XCTAssert(x >= 0 && x < 1)
        }
    }
}
