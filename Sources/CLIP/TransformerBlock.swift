import Tensor

/// How a vision block combines its branches.
public enum BlockKind: String, Codable, Sendable {
    /// `x += Attn(LN1(x)); x += MLP(LN2(x))` — a standard pre-norm block.
    case standard
    /// `x += MLP(LN2(x))` — the attention output is discarded (what the public MedVMAD code does),
    /// so attention is not computed at all.
    case mlpOnly = "mlp_only"
}

/// Activations one block keeps for its backward pass. Only what backward reads is kept:
/// the CLIP weights are frozen, so the inputs of their products (LayerNorm outputs, attention
/// outputs, MLP activations) are never needed again.
public final class BlockActivations: @unchecked Sendable {
    // @unchecked: buffers are written by the one forward that owns them, then read by its backward.
    /// [N, C] the block's input.
    public let input: FloatBuffer
    /// [N] LayerNorm statistics.
    public let ln1Mean, ln1Rstd, ln2Mean, ln2Rstd: FloatBuffer
    /// [N, 3C] packed Q | K | V (empty for `mlpOnly`).
    public let qkv: FloatBuffer
    /// [B, H, T, T] attention probabilities (empty for `mlpOnly`).
    public let probs: FloatBuffer
    /// [N, C] the stream after the attention branch.
    public let mid: FloatBuffer
    /// [N, M] MLP pre-activation.
    public let fc1: FloatBuffer

    public init(batch b: Int, tokens t: Int, width c: Int, heads h: Int, mlpWidth m: Int, kind: BlockKind) {
        let n = b * t
        let attention = kind == .standard
        input = FloatBuffer(count: n * c)
        ln1Mean = FloatBuffer(count: n)
        ln1Rstd = FloatBuffer(count: n)
        ln2Mean = FloatBuffer(count: n)
        ln2Rstd = FloatBuffer(count: n)
        qkv = FloatBuffer(count: attention ? n * 3 * c : 0)
        probs = FloatBuffer(count: attention ? b * h * t * t : 0)
        mid = FloatBuffer(count: n * c)
        fc1 = FloatBuffer(count: n * m)
    }
}

/// Workspace shared by all blocks of a tower (forward temporaries and backward gradients).
public final class BlockScratch: @unchecked Sendable {
    // @unchecked: used by one forward or backward call at a time.
    let ln: FloatBuffer, attn: FloatBuffer, act: FloatBuffer
    let dact: FloatBuffer, dfc1: FloatBuffer, dln: FloatBuffer, dattn: FloatBuffer, dqkv: FloatBuffer, dprobs: FloatBuffer
    let qkv: FloatBuffer

    public init(batch b: Int, tokens t: Int, width c: Int, heads h: Int, mlpWidth m: Int, backward: Bool) {
        let n = b * t
        ln = FloatBuffer(count: n * c)
        attn = FloatBuffer(count: n * c)
        act = FloatBuffer(count: n * m)
        qkv = FloatBuffer(count: n * 3 * c)
        dact = FloatBuffer(count: backward ? n * m : 0)
        dfc1 = FloatBuffer(count: backward ? n * m : 0)
        dln = FloatBuffer(count: backward ? n * c : 0)
        dattn = FloatBuffer(count: backward ? n * c : 0)
        dqkv = FloatBuffer(count: backward ? n * 3 * c : 0)
        dprobs = FloatBuffer(count: backward ? b * h * t * t : 0)
    }
}

/// One pre-norm transformer block over a [B, T, C] stream, updated in place.
public final class TransformerBlock: @unchecked Sendable {
    // @unchecked: parameters are immutable after init.
    public let width: Int, heads: Int, mlpWidth: Int
    public let eps: Float
    public let activation: Activation
    public let kind: BlockKind
    public let causal: Bool
    let ln1W, ln1B, ln2W, ln2B, qkvW, qkvB, outW, outB, fc1W, fc1B, fc2W, fc2B: FloatBuffer

    public init(weights w: TransformerBlockWeights, heads: Int, eps: Float, activation: Activation, kind: BlockKind, causal: Bool) {
        width = w.ln1Weight.count
        mlpWidth = w.fc1Bias.count
        self.heads = heads
        self.eps = eps
        self.activation = activation
        self.kind = kind
        self.causal = causal
        ln1W = FloatBuffer(w.ln1Weight.data); ln1B = FloatBuffer(w.ln1Bias.data)
        ln2W = FloatBuffer(w.ln2Weight.data); ln2B = FloatBuffer(w.ln2Bias.data)
        qkvW = FloatBuffer(w.qkvWeight.data); qkvB = FloatBuffer(w.qkvBias.data)
        outW = FloatBuffer(w.outWeight.data); outB = FloatBuffer(w.outBias.data)
        fc1W = FloatBuffer(w.fc1Weight.data); fc1B = FloatBuffer(w.fc1Bias.data)
        fc2W = FloatBuffer(w.fc2Weight.data); fc2B = FloatBuffer(w.fc2Bias.data)
    }

    /// Runs the block on `x` [B, T, C] in place. With `acts`, keeps what `backward` needs.
    public func forward(_ x: UnsafeMutablePointer<Float>, batch b: Int, tokens t: Int, scratch s: BlockScratch, acts: BlockActivations?) {
        let c = width, m = mlpWidth, n = b * t
        if let acts { acts.input.pointer.update(from: x, count: n * c) }
        if kind == .standard {
            let mean1 = acts?.ln1Mean.pointer, rstd1 = acts?.ln1Rstd.pointer
            let qkv = acts?.qkv.pointer ?? s.qkv.pointer
            // Probabilities are kept only for a backward pass.
            let probs = acts?.probs.pointer
            LayerNorm.forward(out: s.ln.pointer, mean: mean1, rstd: rstd1, inp: x, weight: ln1W.pointer, bias: ln1B.pointer, rows: n, width: c, eps: eps)
            Linear.forward(out: qkv, inp: s.ln.pointer, weight: qkvW.pointer, bias: qkvB.pointer, rows: n, inFeatures: c, outFeatures: 3 * c)
            Attention.forward(out: s.attn.pointer, probs: probs, qkv: qkv, batch: b, tokens: t, width: c, heads: heads, causal: causal)
            // x += attn · Woutᵀ + bout
            for r in 0..<n { Elementwise.axpy(x + r * c, outB.pointer, alpha: 1, count: c) }
            BLAS.gemm(transA: false, transB: true, m: n, n: c, k: c, a: s.attn.pointer, lda: c, b: outW.pointer, ldb: c, beta: 1, c: x, ldc: c)
        }
        if let acts { acts.mid.pointer.update(from: x, count: n * c) }
        let fc1 = acts?.fc1.pointer ?? s.act.pointer
        LayerNorm.forward(out: s.ln.pointer, mean: acts?.ln2Mean.pointer, rstd: acts?.ln2Rstd.pointer, inp: x,
                          weight: ln2W.pointer, bias: ln2B.pointer, rows: n, width: c, eps: eps)
        Linear.forward(out: fc1, inp: s.ln.pointer, weight: fc1W.pointer, bias: fc1B.pointer, rows: n, inFeatures: c, outFeatures: m)
        activation.forward(out: s.act.pointer, inp: fc1, count: n * m)
        // x += act · W2ᵀ + b2
        for r in 0..<n { Elementwise.axpy(x + r * c, fc2B.pointer, alpha: 1, count: c) }
        BLAS.gemm(transA: false, transB: true, m: n, n: c, k: m, a: s.act.pointer, lda: m, b: fc2W.pointer, ldb: m, beta: 1, c: x, ldc: c)
    }

    /// Differentiates `forward` with respect to the block input only (the weights are frozen).
    /// On entry `dx` [B, T, C] holds dL/d(output); on return it holds dL/d(input).
    public func backward(_ dx: UnsafeMutablePointer<Float>, batch b: Int, tokens t: Int, scratch s: BlockScratch, acts: BlockActivations) {
        let c = width, m = mlpWidth, n = b * t
        // x_out = mid + fc2(act(fc1(LN2(mid)))). Each intermediate gradient is written whole by its
        // first product (no accumulation), so the scratch buffers need no zero-fill.
        Linear.backward(dinp: s.dact.pointer, dweight: nil, dbias: nil, dout: dx, inp: nil, weight: fc2W.pointer, rows: n, inFeatures: m, outFeatures: c,
                        accumulateInput: false)
        activation.backward(dinp: s.dfc1.pointer, dout: s.dact.pointer, inp: acts.fc1.pointer, count: n * m, accumulate: false)
        Linear.backward(dinp: s.dln.pointer, dweight: nil, dbias: nil, dout: s.dfc1.pointer, inp: nil, weight: fc1W.pointer, rows: n, inFeatures: c, outFeatures: m,
                        accumulateInput: false)
        LayerNorm.backward(dinp: dx, dweight: nil, dbias: nil, dout: s.dln.pointer, inp: acts.mid.pointer, weight: ln2W.pointer,
                           mean: acts.ln2Mean.pointer, rstd: acts.ln2Rstd.pointer, rows: n, width: c)
        guard kind == .standard else { return }
        // mid = x_in + out(Attn(qkv(LN1(x_in))))
        Linear.backward(dinp: s.dattn.pointer, dweight: nil, dbias: nil, dout: dx, inp: nil, weight: outW.pointer, rows: n, inFeatures: c, outFeatures: c,
                        accumulateInput: false)
        Attention.backward(dqkv: s.dqkv.pointer, scratch: s.dprobs.pointer, dout: s.dattn.pointer, qkv: acts.qkv.pointer, probs: acts.probs.pointer,
                           batch: b, tokens: t, width: c, heads: heads, accumulate: false)
        Linear.backward(dinp: s.dln.pointer, dweight: nil, dbias: nil, dout: s.dqkv.pointer, inp: nil, weight: qkvW.pointer, rows: n, inFeatures: c, outFeatures: 3 * c,
                        accumulateInput: false)
        LayerNorm.backward(dinp: dx, dweight: nil, dbias: nil, dout: s.dln.pointer, inp: acts.input.pointer, weight: ln1W.pointer,
                           mean: acts.ln1Mean.pointer, rstd: acts.ln1Rstd.pointer, rows: n, width: c)
    }
}
