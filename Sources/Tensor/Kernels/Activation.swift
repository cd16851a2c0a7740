import Foundation

/// Pointwise nonlinearities used by CLIP and the adapters.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `x·σ(1.702x)`, CLIP's original activation (`quick_gelu`).
    case quickGELU = "quick_gelu"
    /// `½x(1 + erf(x/√2))`, exact GELU (`gelu`).
    case gelu = "gelu"

    /// `out[i] = f(inp[i])` for `count` values; `out` may equal `inp`.
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        switch self {
        case .quickGELU:
            Parallel.chunks(count, grain: 4096) { r in
                var i = r.lowerBound
                while i + 8 <= r.upperBound {
                    let x = UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self)
                    let y = x / (1 + FastMath.exp(-1.702 * x))
                    UnsafeMutableRawPointer(out + i).storeBytes(of: y, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < r.upperBound { let x = inp[i]; out[i] = x / (1 + FastMath.exp(-1.702 * x)); i += 1 }
            }
        case .gelu:
            Parallel.chunks(count, grain: 4096) { r in
                var i = r.lowerBound
                while i + 8 <= r.upperBound {
                    let x = VectorOps.load(inp, i)
                    VectorOps.store(0.5 * x * (1 + FastMath.erf(x * 0.70710678118654752)), out, i)
                    i += 8
                }
                while i < r.upperBound { let x = inp[i]; out[i] = 0.5 * x * (1 + FastMath.erf(x * 0.70710678118654752)); i += 1 }
            }
        }
    }

    /// `dinp[i] += dout[i]·f′(inp[i])`, `inp` being the forward's input; with `accumulate` false,
    /// `dinp[i] = dout[i]·f′(inp[i])`.
    public func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, count: Int, accumulate: Bool = true) {
        switch self {
        case .quickGELU:
            // d/dx x·σ(ax) = σ(ax) + ax·σ(ax)(1 − σ(ax))
            Parallel.chunks(count, grain: 4096) { r in
                var i = r.lowerBound
                while i + 8 <= r.upperBound {
                    let x = VectorOps.load(inp, i)
                    let s = 1 / (1 + FastMath.exp(-1.702 * x))
                    let g = VectorOps.load(dout, i) * (s + 1.702 * x * s * (1 - s))
                    VectorOps.store(accumulate ? VectorOps.load(dinp, i) + g : g, dinp, i)
                    i += 8
                }
                while i < r.upperBound {
                    let x = inp[i]
                    let s = 1 / (1 + FastMath.exp(-1.702 * x))
                    let g = dout[i] * (s + 1.702 * x * s * (1 - s))
                    dinp[i] = accumulate ? dinp[i] + g : g
                    i += 1
                }
            }
        case .gelu:
            // d/dx ½x(1 + erf(x/√2)) = Φ(x) + x·φ(x)
            Parallel.chunks(count, grain: 4096) { r in
                var i = r.lowerBound
                while i + 8 <= r.upperBound {
                    let x = VectorOps.load(inp, i)
                    let cdf = 0.5 * (1 + FastMath.erf(x * 0.70710678118654752))
                    let pdf = FastMath.exp(-0.5 * x * x) * 0.39894228040143268
                    let g = VectorOps.load(dout, i) * (cdf + x * pdf)
                    VectorOps.store(accumulate ? VectorOps.load(dinp, i) + g : g, dinp, i)
                    i += 8
                }
                while i < r.upperBound {
                    let x = inp[i]
                    let cdf = 0.5 * (1 + FastMath.erf(x * 0.70710678118654752))
                    let pdf = FastMath.exp(-0.5 * x * x) * 0.39894228040143268
                    let g = dout[i] * (cdf + x * pdf)
                    dinp[i] = accumulate ? dinp[i] + g : g
                    i += 1
                }
            }
        }
    }
}

/// `max(x, slope·x)`.
public enum LeakyReLU {
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, slope: Float) {
        for i in 0..<count { let x = inp[i]; out[i] = x > 0 ? x : slope * x }
    }

    /// `dinp += dout·f′(x)`; `x` is the forward's input (its output has the same sign, so either works).
    @inlinable
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, count: Int, slope: Float) {
        for i in 0..<count { dinp[i] += inp[i] > 0 ? dout[i] : slope * dout[i] }
    }
}
