/// Reductions and row operations over contiguous floats, eight lanes at a time.
///
/// Swift keeps IEEE ordering of scalar sums, so a plain `for` loop that accumulates is never
/// vectorised and runs at one add per floating-point latency. These helpers keep four independent
/// SIMD8 accumulators instead (32 partial sums, combined at the end): the summation order differs
/// from a left-to-right loop by rounding only.
public enum VectorOps {
    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Σ x[i].
    @inlinable
    public static func sum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= n {
            a0 += load(x, i); a1 += load(x, i + 8); a2 += load(x, i + 16); a3 += load(x, i + 24)
            i += 32
        }
        while i + 8 <= n { a0 += load(x, i); i += 8 }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// Σ x[i]·y[i].
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= n {
            a0 += load(x, i) * load(y, i); a1 += load(x, i + 8) * load(y, i + 8)
            a2 += load(x, i + 16) * load(y, i + 16); a3 += load(x, i + 24) * load(y, i + 24)
            i += 32
        }
        while i + 8 <= n { a0 += load(x, i) * load(y, i); i += 8 }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// Σ (x[i] − c)².
    @inlinable
    public static func sumSquaredDeviation(_ x: UnsafePointer<Float>, from c: Float, count n: Int) -> Float {
        let cv = SIMD8<Float>(repeating: c)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= n {
            let d0 = load(x, i) - cv, d1 = load(x, i + 8) - cv, d2 = load(x, i + 16) - cv, d3 = load(x, i + 24) - cv
            a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
            i += 32
        }
        while i + 8 <= n { let d = load(x, i) - cv; a0 += d * d; i += 8 }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { let d = x[i] - c; s += d * d; i += 1 }
        return s
    }

    /// max x[i] (−∞ for an empty span).
    @inlinable
    public static func max(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var m0 = SIMD8<Float>(repeating: -.infinity), m1 = m0
        var i = 0
        while i + 16 <= n {
            m0 = lanewiseMax(m0, load(x, i)); m1 = lanewiseMax(m1, load(x, i + 8))
            i += 16
        }
        while i + 8 <= n { m0 = lanewiseMax(m0, load(x, i)); i += 8 }
        var m = lanewiseMax(m0, m1).max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }

    /// The larger of each lane pair. The standard library's `pointwiseMax` is generic and is not
    /// inlined into a vector instruction; a compare-and-select is.
    @inlinable @inline(__always)
    public static func lanewiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: a .< b)
    }

    /// The smaller of each lane pair (see `lanewiseMax`).
    @inlinable @inline(__always)
    public static func lanewiseMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .< a)
    }

    /// x[i] *= a.
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, count n: Int) {
        let av = SIMD8<Float>(repeating: a)
        var i = 0
        while i + 8 <= n { store(load(x, i) * av, x, i); i += 8 }
        while i < n { x[i] *= a; i += 1 }
    }

    /// d[i] = p[i]·(d[i] − c): the softmax backward of one row given c = Σ p·d.
    @inlinable
    public static func softmaxBackwardRow(_ d: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, dot c: Float, count n: Int) {
        let cv = SIMD8<Float>(repeating: c)
        var i = 0
        while i + 8 <= n { store(load(p, i) * (load(d, i) - cv), d, i); i += 8 }
        while i < n { d[i] = p[i] * (d[i] - c); i += 1 }
    }
}
