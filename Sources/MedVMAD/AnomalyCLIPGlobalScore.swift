import Foundation
import Tensor

/// AnomalyCLIP's image score and image loss from the global embedding.
///
/// logits_b = scale·[ĝ_b·t_n, ĝ_b·t_a] with ĝ = g/‖g‖; score = softmax(logits)[abnormal];
/// loss = mean_b −log softmax(logits_b)[y_b] (cross-entropy with the image label).
public final class AnomalyCLIPGlobalScore: @unchecked Sendable {
    // @unchecked: one instance per forward/backward pass, used by one thread.
    public let batch: Int, embed: Int
    public let scale: Float
    let unit: FloatBuffer
    /// [B, 2] logits and their softmax.
    public let logits: FloatBuffer, probs: FloatBuffer

    public init(batch: Int, embed: Int, scale: Float) {
        self.batch = batch
        self.embed = embed
        self.scale = scale
        unit = FloatBuffer(count: batch * embed)
        logits = FloatBuffer(count: batch * 2)
        probs = FloatBuffer(count: batch * 2)
    }

    /// - Parameters: global [B, E]; text [2, E] unit text features.
    public func forward(global: UnsafePointer<Float>, text: UnsafePointer<Float>) {
        L2Normalize.forward(out: unit.pointer, norms: nil, inp: global, rows: batch, width: embed)
        BLAS.gemm(transA: false, transB: true, m: batch, n: 2, k: embed, alpha: scale, a: unit.pointer, lda: embed, b: text, ldb: embed, c: logits.pointer, ldc: 2)
        Softmax.forward(out: probs.pointer, inp: logits.pointer, rows: batch, width: 2)
    }

    /// [B] p(abnormal).
    public var scores: [Float] { (0..<batch).map { probs.pointer[2 * $0 + 1] } }

    /// Mean cross-entropy against labels in {0, 1} (computed stably from the logits).
    public func crossEntropy(labels: [Float]) -> Float {
        var total: Double = 0
        for b in 0..<batch {
            let z0 = Double(logits.pointer[2 * b]), z1 = Double(logits.pointer[2 * b + 1])
            let m = max(z0, z1)
            let lse = m + log(exp(z0 - m) + exp(z1 - m))
            total += lse - (labels[b] > 0.5 ? z1 : z0)
        }
        return Float(total / Double(batch))
    }

    /// `dtext += weight · d(crossEntropy)/d(text)`: dlogits = (softmax − onehot)/B, dt += scale · dlogitsᵀ ĝ.
    public func backwardCrossEntropy(labels: [Float], weight: Float, dtext: UnsafeMutablePointer<Float>) {
        let dz = FloatBuffer(count: batch * 2)
        for b in 0..<batch {
            let y: Float = labels[b] > 0.5 ? 1 : 0
            dz.pointer[2 * b] = weight * (probs.pointer[2 * b] - (1 - y)) / Float(batch)
            dz.pointer[2 * b + 1] = weight * (probs.pointer[2 * b + 1] - y) / Float(batch)
        }
        BLAS.gemm(transA: true, transB: false, m: 2, n: embed, k: batch, alpha: scale, a: dz.pointer, lda: 2, b: unit.pointer, ldb: embed,
                  beta: 1, c: dtext, ldc: embed)
    }
}
