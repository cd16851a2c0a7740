import Foundation

/// Softmax over the last dimension of [N, K] rows.
public enum Softmax {
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows n: Int, width k: Int) {
        for r in 0..<n {
            let x = inp + r * k, o = out + r * k
            var mx = -Float.infinity
            for j in 0..<k { mx = max(mx, x[j]) }
            var sum: Float = 0
            for j in 0..<k { let e = expf(x[j] - mx); o[j] = e; sum += e }
            for j in 0..<k { o[j] /= sum }
        }
    }

    /// `dinp += p ⊙ (dout − Σ dout·p)`, with `p` the forward's output.
    @inlinable
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out p: UnsafePointer<Float>, rows n: Int, width k: Int) {
        for r in 0..<n {
            let pr = p + r * k, g = dout + r * k, d = dinp + r * k
            var dot: Float = 0
            for j in 0..<k { dot += pr[j] * g[j] }
            for j in 0..<k { d[j] += pr[j] * (g[j] - dot) }
        }
    }
}

/// Scales each row of [N, C] to unit Euclidean length.
public enum L2Normalize {
    /// - Parameters: out [N, C], norms [N] (saved for backward), inp [N, C].
    @inlinable
    public static func forward(out: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>, rows n: Int, width c: Int) {
        for r in 0..<n {
            let x = inp + r * c, o = out + r * c
            var s: Float = 0
            for i in 0..<c { s += x[i] * x[i] }
            let nrm = s.squareRoot()
            norms?[r] = nrm
            let inv = 1 / nrm
            for i in 0..<c { o[i] = x[i] * inv }
        }
    }

    /// y = x/‖x‖ ⇒ dx += (dy − y·(dy·y))/‖x‖, with `out` = y.
    @inlinable
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, norms: UnsafePointer<Float>, rows n: Int, width c: Int) {
        for r in 0..<n {
            let y = out + r * c, g = dout + r * c, d = dinp + r * c
            var dot: Float = 0
            for i in 0..<c { dot += g[i] * y[i] }
            let inv = 1 / norms[r]
            for i in 0..<c { d[i] += (g[i] - y[i] * dot) * inv }
        }
    }
}

/// Elementwise helpers on contiguous buffers.
public enum Elementwise {
    /// `out[i] = a[i] + b[i]`; `out` may alias `a`.
    @inlinable
    public static func add(out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `y[i] += alpha·x[i]`.
    @inlinable
    public static func axpy(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, alpha: Float, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    /// `y[i] *= alpha`.
    @inlinable
    public static func scale(_ y: UnsafeMutablePointer<Float>, by alpha: Float, count: Int) {
        for i in 0..<count { y[i] *= alpha }
    }
}
