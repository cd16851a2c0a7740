import Foundation

/// Focal loss on probabilities (no nonlinearity inside), α = 1 for both classes.
///
/// The one-hot target is clamped to [s, 1 − s] and p_t = Σ_c onehot_c·p_c + s, so with two
/// classes p_t = (1 − s)·p_target + s·p_other + s; loss = mean over B·H·W of −(1 − p_t)^γ·ln p_t.
public enum FocalLoss {
    /// - Parameters: probs [B, 2, HW] (normal, abnormal), mask [B, HW] in {0, 1}.
    public static func forward(probs: UnsafePointer<Float>, mask: UnsafePointer<Float>, batch b: Int, pixels hw: Int, gamma: Float, smoothing s: Float) -> Float {
        var total: Double = 0
        for bi in 0..<b {
            let p0 = probs + bi * 2 * hw, p1 = p0 + hw, g = mask + bi * hw
            for i in 0..<hw {
                let (pt, po) = g[i] > 0.5 ? (p1[i], p0[i]) : (p0[i], p1[i])
                let ptt = (1 - s) * pt + s * po + s
                total += Double(-powf(1 - ptt, gamma) * logf(ptt))
            }
        }
        return Float(total / Double(b * hw))
    }

    /// `dprobs += weight · dL/dprobs`.
    public static func backward(dprobs: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>, mask: UnsafePointer<Float>, batch b: Int, pixels hw: Int,
                                gamma: Float, smoothing s: Float, weight: Float) {
        let scale = weight / Float(b * hw)
        for bi in 0..<b {
            let p0 = probs + bi * 2 * hw, p1 = p0 + hw, g = mask + bi * hw
            let d0 = dprobs + bi * 2 * hw, d1 = d0 + hw
            for i in 0..<hw {
                let abnormal = g[i] > 0.5
                let (pt, po) = abnormal ? (p1[i], p0[i]) : (p0[i], p1[i])
                let ptt = (1 - s) * pt + s * po + s
                let q = 1 - ptt
                // L = −q^γ ln p_t ⇒ dL/dp_t = γ q^(γ−1) ln p_t − q^γ / p_t
                let dpt = scale * (gamma * powf(q, gamma - 1) * logf(ptt) - powf(q, gamma) / ptt)
                if abnormal { d1[i] += (1 - s) * dpt; d0[i] += s * dpt } else { d0[i] += (1 - s) * dpt; d1[i] += s * dpt }
            }
        }
    }
}

/// Soft Dice loss per sample: 1 − mean_b (2Σpg + k)/(Σp + Σg + k).
public enum DiceLoss {
    /// - Parameters: p [B, HW] at row stride `stride`; target [B, HW]; `invert` uses 1 − target.
    public static func forward(p: UnsafePointer<Float>, stride: Int, target: UnsafePointer<Float>, invert: Bool, batch b: Int, pixels hw: Int, smoothing k: Float) -> Float {
        var mean: Double = 0
        for bi in 0..<b {
            let (i, sp, sg) = sums(p + bi * stride, target + bi * hw, invert, hw)
            mean += (2 * i + Double(k)) / (sp + sg + Double(k))
        }
        return Float(1 - mean / Double(b))
    }

    public static func backward(dp: UnsafeMutablePointer<Float>, p: UnsafePointer<Float>, stride: Int, target: UnsafePointer<Float>, invert: Bool,
                                batch b: Int, pixels hw: Int, smoothing k: Float, weight: Float) {
        for bi in 0..<b {
            let pr = p + bi * stride, g = target + bi * hw, d = dp + bi * stride
            let (i, sp, sg) = sums(pr, g, invert, hw)
            let num = 2 * i + Double(k), den = sp + sg + Double(k)
            // d/dp_j [num/den] = (2g_j·den − num)/den²; loss = 1 − mean ⇒ factor −1/B
            let a = Float(-Double(weight) / Double(b) / (den * den))
            for j in 0..<hw {
                let gj: Float = invert ? 1 - g[j] : g[j]
                d[j] += a * (2 * gj * Float(den) - Float(num))
            }
        }
    }

    static func sums(_ p: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ invert: Bool, _ hw: Int) -> (Double, Double, Double) {
        var i: Double = 0, sp: Double = 0, sg: Double = 0
        for j in 0..<hw {
            let gj: Float = invert ? 1 - g[j] : g[j]
            i += Double(p[j] * gj)
            sp += Double(p[j])
            sg += Double(gj)
        }
        return (i, sp, sg)
    }
}

/// Binary cross-entropy with logits, averaged over the batch.
public enum BCEWithLogits {
    public static func forward(logits s: [Float], labels y: [Float]) -> Float {
        var total: Double = 0
        for i in s.indices {
            // −[y log σ(s) + (1−y) log(1−σ(s))] = max(s,0) − s·y + log(1 + e^{−|s|})
            let x = Double(s[i])
            total += max(x, 0) - x * Double(y[i]) + log1p(exp(-abs(x)))
        }
        return Float(total / Double(s.count))
    }

    /// dL/ds_i = (σ(s_i) − y_i)/B.
    public static func backward(logits s: [Float], labels y: [Float], weight: Float) -> [Float] {
        s.indices.map { i in weight * (1 / (1 + expf(-s[i])) - y[i]) / Float(s.count) }
    }
}
