import Foundation
import XCTest
@testable import Tensor

final class BLASTests: XCTestCase {
    /// Every transpose combination of `BLAS.gemm` against a naive triple loop.
    func testGemmMatchesNaiveProductForAllTransposes() {
        let (m, n, k) = (5, 7, 3)
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        for transA in [false, true] {
            for transB in [false, true] {
                // Stored layouts: A is [m,k] or [k,m]; B is [k,n] or [n,k].
                func aAt(_ i: Int, _ p: Int) -> Float { transA ? a[p * m + i] : a[i * k + p] }
                func bAt(_ p: Int, _ j: Int) -> Float { transB ? b[j * k + p] : b[p * n + j] }
                var c = [Float](repeating: 1, count: m * n)
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 2,
                                      a: pa.baseAddress!, lda: transA ? m : k, b: pb.baseAddress!, ldb: transB ? k : n,
                                      beta: 0.5, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Float = 0
                        for p in 0..<k { s += aAt(i, p) * bAt(p, j) }
                        XCTAssertEqual(c[i * n + j], 2 * s + 0.5, accuracy: 1e-5, "transA \(transA) transB \(transB) at [\(i),\(j)]")
                    }
                }
            }
        }
    }

    /// The idle-thread setting reaches OpenBLAS, and its restarted thread pool still computes
    /// multi-threaded products correctly (compared with the same product on one thread).
    func testLimitingIdleSpinningKeepsThreadedProductsRight() throws {
        guard ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] == nil else {
            throw XCTSkip("OPENBLAS_THREAD_TIMEOUT is set in the environment; the setting is the user's")
        }
        guard BLAS.idleSpinExponent != nil else { throw XCTSkip("this BLAS does not export the OpenBLAS thread controls") }
        let (m, n, k) = (384, 320, 256)
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        func product(threads: Int) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            BLAS.withThreads(threads) {
                BLAS.gemm(transA: false, transB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n)
            }
            return c
        }
        let before = product(threads: 1)
        XCTAssertTrue(BLAS.limitIdleSpinning(exponent: 4))
        XCTAssertEqual(BLAS.idleSpinExponent, 4)
        for _ in 0..<3 {
            let threaded = product(threads: 2)
            for i in stride(from: 0, to: m * n, by: 97) { XCTAssertEqual(threaded[i], before[i], accuracy: 1e-4) }
        }
    }

    func testTransposeAndStack() {
        let t = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.transposed(), Tensor(shape: [3, 2], data: [1, 4, 2, 5, 3, 6]))
        XCTAssertEqual(Tensor.stack([t, t]).shape, [2, 2, 3])
        XCTAssertEqual(Tensor.stack([t, t]).slice(1), t)
    }
}

final class FastMathTests: XCTestCase {
    /// The vector exponential stays within 4 ulp-scale relative error of libm over the range softmax and GELU use.
    func testExpMatchesLibm() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let ref = Foundation.exp(Double(x))
            let got = Double(FastMath.exp(x))
            worst = max(worst, abs(got - ref) / ref)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 4.8e-7, "relative error of FastMath.exp")
        var v = [Float](repeating: 0, count: 19)
        let inp: [Float] = (0..<19).map { Float($0) * 0.5 - 4 }
        let sum = FastMath.expSum(out: &v, inp: inp, count: 19, shift: -1)
        for i in 0..<19 { XCTAssertEqual(v[i], expf(inp[i] - 1), accuracy: expf(inp[i] - 1) * 1e-6) }
        XCTAssertEqual(sum, v.reduce(0, +), accuracy: 1e-4)
    }

    /// The vector erf stays within the Abramowitz–Stegun bound (1.5·10⁻⁷) of libm's plus float32
    /// rounding in its Horner steps, reciprocal and exponential (measured 4.0·10⁻⁷, about three ulp
    /// of the 1 + erf that GELU uses), on both signs and into the saturated tails.
    func testErfMatchesLibm() {
        var worst: Double = 0
        var x: Float = -9
        while x < 9 {
            worst = max(worst, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
            x += 0.00731
        }
        XCTAssertLessThan(worst, 5e-7, "absolute error of FastMath.erf")
        XCTAssertEqual(FastMath.erf(-0.5), -FastMath.erf(0.5), "erf is odd")
    }

    /// The eight-lane reductions agree with double-precision sums over lengths that exercise
    /// every tail (0 … 70 values).
    func testVectorReductionsMatchDoubleSums() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...70 {
            let x = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let y = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
            let sum = x.reduce(0.0) { $0 + Double($1) }
            let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let dev = x.reduce(0.0) { $0 + (Double($1) - 0.25) * (Double($1) - 0.25) }
            // float32 accumulation of ≤ 70 terms of magnitude ≤ 9: rounding below 1e-4 absolute.
            XCTAssertEqual(Double(VectorOps.sum(x, count: n)), sum, accuracy: 1e-4)
            XCTAssertEqual(Double(VectorOps.dot(x, y, count: n)), dot, accuracy: 1e-4)
            XCTAssertEqual(Double(VectorOps.sumSquaredDeviation(x, from: 0.25, count: n)), dev, accuracy: 1e-4)
            XCTAssertEqual(VectorOps.max(x, count: n), x.max() ?? -.infinity)
            var d = y
            let p = x.map { abs($0) }
            VectorOps.softmaxBackwardRow(&d, probs: p, dot: 0.5, count: n)
            for i in 0..<n { XCTAssertEqual(d[i], p[i] * (y[i] - 0.5), accuracy: 1e-6) }
        }
    }
}
