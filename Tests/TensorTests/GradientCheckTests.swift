import XCTest
@testable import Tensor

/// Finite-difference checks of every backward kernel.
///
/// Loss L = Σ wᵢ·outᵢ with fixed random w, so dL/dout = w. Central differences in float32 with
/// step h = 1e-2 carry O(h²) truncation plus ~1e-7/h rounding error; 2e-2 relative to the largest
/// gradient entry is well above that noise and far below what a wrong formula produces.
final class GradientCheckTests: XCTestCase {
    struct Rng {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
        }
        mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in next() * scale } }
    }

    /// Compares `analytic` with central differences of `loss` over `x`.
    func check(_ name: String, x: [Float], analytic: [Float], loss: ([Float]) -> Float, h: Float = 1e-2, tol: Float = 2e-2) {
        var xs = x
        var worst: Float = 0
        var at = 0
        let scale = max(analytic.map(abs).max() ?? 0, 1e-3)
        for i in 0..<x.count {
            xs[i] = x[i] + h
            let lp = loss(xs)
            xs[i] = x[i] - h
            let lm = loss(xs)
            xs[i] = x[i]
            let fd = (lp - lm) / (2 * h)
            let err = abs(fd - analytic[i]) / scale
            if err > worst { worst = err; at = i }
        }
        XCTAssertLessThan(worst, tol, "\(name): worst relative error \(worst) at index \(at) (analytic \(analytic[at]))")
    }

    func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    func testLinearBackward() {
        var r = Rng(state: 1)
        let (n, c, oc) = (3, 5, 4)
        let x = r.array(n * c), w = r.array(oc * c), b = r.array(oc), g = r.array(n * oc)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: n * oc)
            Linear.forward(out: &out, inp: x, weight: w, bias: b, rows: n, inFeatures: c, outFeatures: oc)
            return out
        }
        var dx = [Float](repeating: 0, count: n * c), dw = [Float](repeating: 0, count: oc * c), db = [Float](repeating: 0, count: oc)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, rows: n, inFeatures: c, outFeatures: oc)
        check("linear dx", x: x, analytic: dx) { dot(run($0, w, b), g) }
        check("linear dw", x: w, analytic: dw) { dot(run(x, $0, b), g) }
        check("linear db", x: b, analytic: db) { dot(run(x, w, $0), g) }
    }

    func testLayerNormBackward() {
        var r = Rng(state: 2)
        let (n, c) = (3, 6)
        let x = r.array(n * c, scale: 2), w = r.array(c), b = r.array(c), g = r.array(n * c)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: n * c)
            LayerNorm.forward(out: &out, mean: nil, rstd: nil, inp: x, weight: w, bias: b, rows: n, width: c, eps: 1e-5)
            return out
        }
        var mean = [Float](repeating: 0, count: n), rstd = [Float](repeating: 0, count: n), out = [Float](repeating: 0, count: n * c)
        LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, rows: n, width: c, eps: 1e-5)
        var dx = [Float](repeating: 0, count: n * c), dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
        LayerNorm.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, mean: mean, rstd: rstd, rows: n, width: c)
        check("layernorm dx", x: x, analytic: dx) { dot(run($0, w, b), g) }
        check("layernorm dw", x: w, analytic: dw) { dot(run(x, $0, b), g) }
        check("layernorm db", x: b, analytic: db) { dot(run(x, w, $0), g) }
    }

    func testAttentionBackwardPlainAndCausal() {
        for causal in [false, true] {
            var r = Rng(state: causal ? 3 : 4)
            let (b, t, c, h) = (2, 5, 8, 2)
            let qkv = r.array(b * t * 3 * c), g = r.array(b * t * c)
            func run(_ qkv: [Float]) -> [Float] {
                var out = [Float](repeating: 0, count: b * t * c), probs = [Float](repeating: 0, count: b * h * t * t)
                Attention.forward(out: &out, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: h, causal: causal)
                return out
            }
            var out = [Float](repeating: 0, count: b * t * c), probs = [Float](repeating: 0, count: b * h * t * t)
            Attention.forward(out: &out, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: h, causal: causal)
            var dqkv = [Float](repeating: 0, count: b * t * 3 * c), scratch = [Float](repeating: 0, count: b * h * t * t)
            Attention.backward(dqkv: &dqkv, scratch: &scratch, dout: g, qkv: qkv, probs: probs, batch: b, tokens: t, width: c, heads: h)
            check("attention (causal \(causal)) dqkv", x: qkv, analytic: dqkv) { dot(run($0), g) }
        }
    }

    /// Inference attention (probabilities not kept: one reused buffer per worker, normalised on the
    /// output rows) gives what the kept-probabilities path gives, with and without the causal mask,
    /// for more batch·head units than workers.
    func testAttentionWithoutKeptProbabilitiesMatchesKeptPath() {
        var r = Rng(state: 9)
        let (b, t, c, h) = (3, 7, 12, 4)
        let qkv = r.array(b * t * 3 * c)
        for causal in [false, true] {
            var kept = [Float](repeating: 0, count: b * t * c), probs = [Float](repeating: 0, count: b * h * t * t)
            var streamed = [Float](repeating: .nan, count: b * t * c)
            Attention.forward(out: &kept, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: h, causal: causal)
            Attention.forward(out: &streamed, probs: nil, qkv: qkv, batch: b, tokens: t, width: c, heads: h, causal: causal)
            for i in 0..<kept.count { XCTAssertEqual(streamed[i], kept[i], accuracy: 1e-6, "causal \(causal) at \(i)") }
        }
    }

    func testAttentionMatchesNaiveReference() {
        var r = Rng(state: 5)
        let (t, c, h) = (4, 6, 2)
        let d = c / h
        let qkv = r.array(t * 3 * c)
        var out = [Float](repeating: 0, count: t * c), probs = [Float](repeating: 0, count: h * t * t)
        Attention.forward(out: &out, probs: &probs, qkv: qkv, batch: 1, tokens: t, width: c, heads: h, causal: true)
        for hi in 0..<h {
            for i in 0..<t {
                var s = [Float](repeating: -.infinity, count: t)
                for j in 0...i {
                    s[j] = (0..<d).reduce(0) { $0 + qkv[i * 3 * c + hi * d + $1] * qkv[j * 3 * c + c + hi * d + $1] } / Float(d).squareRoot()
                }
                let m = s.max()!
                let e = s.map { $0 == -.infinity ? 0 : expf($0 - m) }
                let z = e.reduce(0, +)
                for k in 0..<d {
                    let v = (0..<t).reduce(Float(0)) { $0 + e[$1] / z * qkv[$1 * 3 * c + 2 * c + hi * d + k] }
                    XCTAssertEqual(out[i * c + hi * d + k], v, accuracy: 1e-5)
                }
            }
        }
    }

    func testActivationsBackward() {
        for act in Activation.allCases {
            var r = Rng(state: 6)
            let x = r.array(20, scale: 3), g = r.array(20)
            func run(_ x: [Float]) -> [Float] { var o = x; act.forward(out: &o, inp: x, count: x.count); return o }
            var dx = [Float](repeating: 0, count: 20)
            act.backward(dinp: &dx, dout: g, inp: x, count: 20)
            check("\(act) dx", x: x, analytic: dx) { dot(run($0), g) }
        }
        var r = Rng(state: 7)
        let x = r.array(20), g = r.array(20)
        func leaky(_ x: [Float]) -> [Float] { var o = x; LeakyReLU.forward(out: &o, inp: x, count: x.count, slope: 0.01); return o }
        var dx = [Float](repeating: 0, count: 20)
        LeakyReLU.backward(dinp: &dx, dout: g, inp: x, count: 20, slope: 0.01)
        check("leaky relu dx", x: x, analytic: dx) { dot(leaky($0), g) }
    }

    func testSoftmaxAndL2NormalizeBackward() {
        var r = Rng(state: 8)
        let (n, k) = (3, 4)
        let x = r.array(n * k, scale: 2), g = r.array(n * k)
        func sm(_ x: [Float]) -> [Float] { var o = x; Softmax.forward(out: &o, inp: x, rows: n, width: k); return o }
        var dx = [Float](repeating: 0, count: n * k)
        Softmax.backward(dinp: &dx, dout: g, out: sm(x), rows: n, width: k)
        check("softmax dx", x: x, analytic: dx) { dot(sm($0), g) }

        func l2(_ x: [Float]) -> [Float] { var o = x; L2Normalize.forward(out: &o, norms: nil, inp: x, rows: n, width: k); return o }
        var norms = [Float](repeating: 0, count: n), y = x
        L2Normalize.forward(out: &y, norms: &norms, inp: x, rows: n, width: k)
        var dl = [Float](repeating: 0, count: n * k)
        L2Normalize.backward(dinp: &dl, dout: g, out: y, norms: norms, rows: n, width: k)
        check("l2 normalize dx", x: x, analytic: dl) { dot(l2($0), g) }
    }

    /// The overwrite forms (`accumulate: false`) used by the frozen blocks' backward give the same
    /// values as accumulating into zeros, whatever the buffer held before.
    func testOverwritingBackwardsIgnorePreviousContents() {
        var r = Rng(state: 9)
        let (b, t, c, h) = (2, 5, 8, 2)
        let qkv = r.array(b * t * 3 * c), g = r.array(b * t * c)
        var out = [Float](repeating: 0, count: b * t * c), probs = [Float](repeating: 0, count: b * h * t * t)
        Attention.forward(out: &out, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: h, causal: false)
        var scratch = [Float](repeating: 0, count: b * h * t * t)
        var zeroed = [Float](repeating: 0, count: b * t * 3 * c), dirty = r.array(b * t * 3 * c, scale: 50)
        Attention.backward(dqkv: &zeroed, scratch: &scratch, dout: g, qkv: qkv, probs: probs, batch: b, tokens: t, width: c, heads: h)
        Attention.backward(dqkv: &dirty, scratch: &scratch, dout: g, qkv: qkv, probs: probs, batch: b, tokens: t, width: c, heads: h, accumulate: false)
        XCTAssertEqual(zeroed, dirty, "attention dqkv")

        let w = r.array(6 * 4), dout = r.array(3 * 6)
        var linZeroed = [Float](repeating: 0, count: 3 * 4), linDirty = r.array(3 * 4, scale: 50)
        Linear.backward(dinp: &linZeroed, dweight: nil, dbias: nil, dout: dout, inp: nil, weight: w, rows: 3, inFeatures: 4, outFeatures: 6)
        Linear.backward(dinp: &linDirty, dweight: nil, dbias: nil, dout: dout, inp: nil, weight: w, rows: 3, inFeatures: 4, outFeatures: 6, accumulateInput: false)
        XCTAssertEqual(linZeroed, linDirty, "linear dinp")

        let x = r.array(37, scale: 3), dy = r.array(37)
        for act in Activation.allCases {
            var actZeroed = [Float](repeating: 0, count: 37), actDirty = r.array(37, scale: 50)
            act.backward(dinp: &actZeroed, dout: dy, inp: x, count: 37)
            act.backward(dinp: &actDirty, dout: dy, inp: x, count: 37, accumulate: false)
            XCTAssertEqual(actZeroed, actDirty, "\(act) backward")
        }
    }
}
