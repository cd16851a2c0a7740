/// Vectorised exponential for the hot loops (attention softmax, QuickGELU).
///
/// exp(x) = 2^k · p(r) with k = round(x/ln 2), r = x − k·ln 2 (ln 2 split in two constants so r is
/// exact), and p the degree-7 Cephes `expf` polynomial: a few ulp from the correctly rounded result
/// over the clamped domain [−87.3, 88.3] (tested against libm). Eight lanes at a time.
public enum FastMath {
    @inlinable @inline(__always)
    public static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // Compare-and-select clamping: `clamped(lowerBound:upperBound:)` calls the generic, out-of-line
        // `pointwiseMin`/`pointwiseMax`, which cost as much as the polynomial.
        let x = VectorOps.lanewiseMin(VectorOps.lanewiseMax(v, SIMD8(repeating: -87.33654)), SIMD8(repeating: 88.37626))
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick: the sum's low mantissa bits
        // hold k, so neither a generic rounding nor a float→int conversion is needed.
        let magic = SIMD8<Float>(repeating: 12582912)
        let t = x * 1.44269504088896341 + magic
        let k = t - magic
        let r = x - k * 0.693359375 + k * 2.12194440e-4
        var y = SIMD8<Float>(repeating: 1.9875691500e-4)
        y = y * r + 1.3981999507e-3
        y = y * r + 8.3334519073e-3
        y = y * r + 4.1665795894e-2
        y = y * r + 1.6666665459e-1
        y = y * r + 5.0000001201e-1
        y = y * r * r + r + 1
        let ki = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((ki &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// Scalar twin of the vector version (same polynomial, same results).
    @inlinable @inline(__always)
    public static func exp(_ v: Float) -> Float {
        exp(SIMD8<Float>(repeating: v))[0]
    }

    /// `out[i] = exp(inp[i] + shift)` for `count` values; returns Σ out. `out` may equal `inp`.
    @inlinable
    public static func expSum(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        while i + 8 <= count {
            let v = UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self)
            let e = exp(v + s)
            UnsafeMutableRawPointer(out + i).storeBytes(of: e, as: SIMD8<Float>.self)
            acc += e
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            let e = exp(inp[i] + shift)
            out[i] = e
            sum += e
            i += 1
        }
        return sum
    }

    /// erf(x), eight lanes: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5·10⁻⁷ absolute, ≤ 4·10⁻⁷ once
    /// evaluated in float32: a few ulp of the 1 + erf that GELU adds it to), odd symmetry through
    /// the sign bit.
    @inlinable @inline(__always)
    public static func erf(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(v, to: SIMD8<UInt32>.self)
        let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD8<Float>.self)
        let t = 1 / (1 + 0.3275911 * a)
        var y = SIMD8<Float>(repeating: 1.061405429)
        y = y * t - 1.453152027
        y = y * t + 1.421413741
        y = y * t - 0.284496736
        y = y * t + 0.254829592
        y = y * t
        let r = 1 - y * exp(-(a * a))
        return unsafeBitCast(unsafeBitCast(r, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: SIMD8<Float>.self)
    }

    /// Scalar twin of the vector `erf`.
    @inlinable @inline(__always)
    public static func erf(_ v: Float) -> Float {
        erf(SIMD8<Float>(repeating: v))[0]
    }
}
