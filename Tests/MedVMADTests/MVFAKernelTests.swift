import Tensor
import XCTest
@testable import MedVMAD

/// The antialiased bicubic resize: its backward is the transpose of its forward (checked by finite
/// differences of a random linear functional), weights sum to one, and a constant grid stays constant.
final class MVFAKernelTests: XCTestCase {
    func testAntialiasedBicubicBackwardByFiniteDifferences() {
        for (n, m) in [(4, 3), (24, 17), (3, 5)] {
            let c = 2
            let resize = AntialiasedBicubicResize(from: n, to: m)
            var rng = SplitMix64(seed: UInt64(n * 100 + m))
            var x = (0..<(n * n * c)).map { _ in rng.nextGaussian() }
            let w = (0..<(m * m * c)).map { _ in rng.nextGaussian() }
            func objective(_ x: [Float]) -> Double {
                var y = [Float](repeating: 0, count: m * m * c)
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { resize.forward(out: $0.baseAddress!, inp: xp.baseAddress!, channels: c) } }
                return zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            var dx = [Float](repeating: 0, count: n * n * c)
            w.withUnsafeBufferPointer { wp in dx.withUnsafeMutableBufferPointer { resize.backward(dinp: $0.baseAddress!, dout: wp.baseAddress!, channels: c) } }
            for i in stride(from: 0, to: x.count, by: 3) {
                let h: Float = 1e-2, keep = x[i]
                x[i] = keep + h; let up = objective(x)
                x[i] = keep - h; let down = objective(x)
                x[i] = keep
                // The map is linear: central differences are exact up to float32 rounding of the outputs.
                XCTAssertEqual(Double(dx[i]), (up - down) / Double(2 * h), accuracy: 2e-3, "\(n)→\(m) d/dx[\(i)]")
            }
            let ones = [Float](repeating: 1, count: n * n * c)
            var y = [Float](repeating: 0, count: m * m * c)
            ones.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { resize.forward(out: $0.baseAddress!, inp: xp.baseAddress!, channels: c) } }
            XCTAssertEqual(y.map { abs($0 - 1) }.max()!, 0, accuracy: 1e-6, "\(n)→\(m): normalised weights keep a constant")
        }
    }
}
