/// Bilinear resizing of [planes, H, W] maps, as PyTorch's `interpolate(mode="bilinear")`.
public struct BilinearUpsample: Sendable {
    /// Per output coordinate: the two source indices and the weight of the second.
    struct Taps: Sendable {
        var i0: [Int], i1: [Int], w1: [Float]
    }
    public let inSize: (h: Int, w: Int)
    public let outSize: (h: Int, w: Int)
    public let alignCorners: Bool
    let rows: Taps, cols: Taps

    public init(from inSize: (h: Int, w: Int), to outSize: (h: Int, w: Int), alignCorners: Bool) {
        self.inSize = inSize
        self.outSize = outSize
        self.alignCorners = alignCorners
        func taps(_ n: Int, _ m: Int) -> Taps {
            var t = Taps(i0: [], i1: [], w1: [])
            for o in 0..<m {
                var src: Double
                if alignCorners {
                    src = m > 1 ? Double(o) * Double(n - 1) / Double(m - 1) : 0
                } else {
                    src = max((Double(o) + 0.5) * Double(n) / Double(m) - 0.5, 0)
                }
                let i0 = min(Int(src), n - 1)
                let i1 = min(i0 + 1, n - 1)
                t.i0.append(i0)
                t.i1.append(i1)
                t.w1.append(Float(src - Double(i0)))
            }
            return t
        }
        rows = taps(inSize.h, outSize.h)
        cols = taps(inSize.w, outSize.w)
    }

    /// - Parameters: out [P, OH, OW], inp [P, IH, IW]; scratch [IH, OW].
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, planes: Int, scratch: UnsafeMutablePointer<Float>) {
        let (ih, iw) = inSize, (oh, ow) = outSize
        for p in 0..<planes {
            let src = inp + p * ih * iw, dst = out + p * oh * ow
            // along x: [IH, OW]
            for y in 0..<ih {
                let r = src + y * iw, s = scratch + y * ow
                for x in 0..<ow { let w = cols.w1[x]; s[x] = r[cols.i0[x]] * (1 - w) + r[cols.i1[x]] * w }
            }
            // along y
            for y in 0..<oh {
                let w = rows.w1[y]
                let a = scratch + rows.i0[y] * ow, b = scratch + rows.i1[y] * ow, d = dst + y * ow
                for x in 0..<ow { d[x] = a[x] * (1 - w) + b[x] * w }
            }
        }
    }

    /// Adjoint of `forward`: `dinp += Upᵀ(dout)`. scratch [IH, OW].
    public func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, planes: Int, scratch: UnsafeMutablePointer<Float>) {
        let (ih, iw) = inSize, (oh, ow) = outSize
        for p in 0..<planes {
            let g = dout + p * oh * ow, d = dinp + p * ih * iw
            scratch.update(repeating: 0, count: ih * ow)
            for y in 0..<oh {
                let w = rows.w1[y]
                let a = scratch + rows.i0[y] * ow, b = scratch + rows.i1[y] * ow, gr = g + y * ow
                for x in 0..<ow { a[x] += gr[x] * (1 - w); b[x] += gr[x] * w }
            }
            for y in 0..<ih {
                let s = scratch + y * ow, r = d + y * iw
                for x in 0..<ow { let w = cols.w1[x]; r[cols.i0[x]] += s[x] * (1 - w); r[cols.i1[x]] += s[x] * w }
            }
        }
    }
}
