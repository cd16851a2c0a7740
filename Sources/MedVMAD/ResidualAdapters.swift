import Tensor

/// The seg and det residual adapters of one level, acting on every token of the stream:
/// m = LeakyReLU(x·W1ᵀ) [N, E] (the level's features), o = LeakyReLU(m·W2ᵀ) [N, C],
/// x ← mix₀·x + mix₁·o_seg + mix₂·o_det.
public final class ResidualAdapters: @unchecked Sendable {
    // @unchecked: one instance per level per pass, used by one thread.
    public let level: Int
    public let rows: Int, width: Int, bottleneck: Int
    public let mix: [Float], slope: Float
    /// [N, C] stream before the mix (nil without backward: the products then read the stream itself).
    let input: FloatBuffer?
    /// Per head (seg, det): pre-activations and outputs. Without backward `pre1` is `mid` (the
    /// activation runs in place).
    let pre1: [FloatBuffer], mid: [FloatBuffer], pre2: [FloatBuffer]

    /// Adapters whose `forward` keeps what `backward` needs.
    public init(level: Int, rows n: Int, width c: Int, bottleneck e: Int, mix: [Float], slope: Float) {
        self.level = level
        rows = n
        width = c
        bottleneck = e
        self.mix = mix
        self.slope = slope
        input = FloatBuffer(count: n * c)
        pre1 = [FloatBuffer(count: n * e), FloatBuffer(count: n * e)]
        mid = [FloatBuffer(count: n * e), FloatBuffer(count: n * e)]
        pre2 = [FloatBuffer(count: n * c), FloatBuffer(count: n * c)]
    }

    /// Adapters for a pass that will not be differentiated, computing into `buffers` (borrowed:
    /// the features in `mid` last until the buffers are next used).
    init(level: Int, bottleneck e: Int, mix: [Float], slope: Float, buffers: AdapterBuffers) {
        precondition(buffers.mid[0].count == buffers.rows * e, "adapter buffers made for another bottleneck")
        self.level = level
        rows = buffers.rows
        width = buffers.width
        bottleneck = e
        self.mix = mix
        self.slope = slope
        input = nil
        pre1 = buffers.mid
        mid = buffers.mid
        pre2 = buffers.pre2
    }

    static let heads = ["seg", "det"]

    func names(_ head: Int) -> (String, String) {
        ("adapters.\(Self.heads[head]).\(level).fc1.weight", "adapters.\(Self.heads[head]).\(level).fc2.weight")
    }

    /// Applies both adapters to `x` [N, C] in place; the features are `mid[0]` (seg) and `mid[1]` (det).
    /// With `updateStream` false only the features are computed and `x` is left as it was (the
    /// last level of an inference pass, whose mixed stream nothing reads).
    public func forward(_ x: UnsafeMutablePointer<Float>, params: ParameterSet, updateStream: Bool = true) {
        let n = rows, c = width, e = bottleneck
        precondition(updateStream || input == nil, "adapters kept for backward always update the stream")
        let source: UnsafePointer<Float>
        if let input {
            input.pointer.update(from: x, count: n * c)
            source = UnsafePointer(input.pointer)
        } else {
            // Both heads read the stream before the mix below writes it.
            source = UnsafePointer(x)
        }
        for h in 0..<2 {
            let (w1, w2) = names(h)
            Linear.forward(out: pre1[h].pointer, inp: source, weight: params[w1].pointer, bias: nil, rows: n, inFeatures: c, outFeatures: e)
            LeakyReLU.forward(out: mid[h].pointer, inp: pre1[h].pointer, count: n * e, slope: slope)
            guard updateStream else { continue }
            Linear.forward(out: pre2[h].pointer, inp: mid[h].pointer, weight: params[w2].pointer, bias: nil, rows: n, inFeatures: e, outFeatures: c)
        }
        guard updateStream else { return }
        let a0 = mix[0], a1 = mix[1], a2 = mix[2]
        let s = pre2[0].pointer, d = pre2[1].pointer, sl = slope
        Parallel.chunks(n * c, grain: 8192) { r in
            for i in r {
                let os = s[i] > 0 ? s[i] : sl * s[i], od = d[i] > 0 ? d[i] : sl * d[i]
                x[i] = a0 * x[i] + a1 * os + a2 * od
            }
        }
    }

    /// Differentiates `forward`. On entry `dx` is dL/d(stream after the mix); `dfeatures[h]` [N, E]
    /// holds the loss gradient of the features (or nil). On return `dx` is dL/d(stream before), unless
    /// `inputGradient` is false (the first level: nothing before it learns), which leaves `dx` as it was
    /// and skips the products that would compute it.
    public func backward(_ dx: UnsafeMutablePointer<Float>, dfeatures: [UnsafePointer<Float>?], params: ParameterSet, grads: ParameterSet,
                         inputGradient: Bool = true) {
        guard let input else { preconditionFailure("adapters made for a pass without backward cannot be differentiated") }
        let n = rows, c = width, e = bottleneck
        let dpre2 = FloatBuffer(count: n * c), dmid = FloatBuffer(count: n * e), dpre1 = FloatBuffer(count: n * e)
        let dinput = FloatBuffer(count: n * c)
        for h in 0..<2 {
            let (w1, w2) = names(h)
            // o = leaky(pre2), x ← … + mix·o
            let alpha = mix[1 + h]
            dpre2.zero()
            for i in 0..<(n * c) { dpre2.pointer[i] = alpha * dx[i] }
            let dp2 = FloatBuffer(count: n * c)
            LeakyReLU.backward(dinp: dp2.pointer, dout: dpre2.pointer, inp: pre2[h].pointer, count: n * c, slope: slope)
            // pre2 = mid · W2ᵀ
            dmid.zero()
            Linear.backward(dinp: dmid.pointer, dweight: grads[w2].pointer, dbias: nil, dout: dp2.pointer, inp: mid[h].pointer, weight: params[w2].pointer,
                            rows: n, inFeatures: e, outFeatures: c)
            if let f = dfeatures[h] { Elementwise.axpy(dmid.pointer, f, alpha: 1, count: n * e) }
            // mid = leaky(pre1), pre1 = input · W1ᵀ
            dpre1.zero()
            LeakyReLU.backward(dinp: dpre1.pointer, dout: dmid.pointer, inp: pre1[h].pointer, count: n * e, slope: slope)
            Linear.backward(dinp: inputGradient ? dinput.pointer : nil, dweight: grads[w1].pointer, dbias: nil, dout: dpre1.pointer, inp: input.pointer,
                            weight: params[w1].pointer, rows: n, inFeatures: c, outFeatures: e)
        }
        guard inputGradient else { return }
        // x ← mix₀·x + … ⇒ dx_before = mix₀·dx + (adapter paths)
        let a0 = mix[0]
        for i in 0..<(n * c) { dx[i] = a0 * dx[i] + dinput.pointer[i] }
    }
}

/// The products of one level's adapters in a pass that is not differentiated, reused level after level.
final class AdapterBuffers: @unchecked Sendable {
    // @unchecked: used by one pass at a time (the workspace that owns them is checked out).
    let rows: Int, width: Int
    /// Per head: [N, E] the features (the pre-activation, then the activation in place).
    let mid: [FloatBuffer]
    /// Per head: [N, C] the second product.
    let pre2: [FloatBuffer]

    init(rows n: Int, width c: Int, bottleneck e: Int) {
        rows = n
        width = c
        mid = [FloatBuffer(count: n * e), FloatBuffer(count: n * e)]
        pre2 = [FloatBuffer(count: n * c), FloatBuffer(count: n * c)]
    }
}
