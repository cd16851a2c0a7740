import Foundation
import Tensor

/// The image score from the global embedding: ĝ = g/‖g‖, z = scale·[ĝ·t_n, ĝ·t_a],
/// score = softmax(z)[abnormal] = σ(z_a − z_n).
final class GlobalScoreHead {
    let batch: Int, embed: Int
    let scale: Float
    /// [B, E] unit embeddings, [B] norms, [B] scores.
    let unit: FloatBuffer, norms: FloatBuffer
    private(set) var scores: [Float]

    init(batch: Int, embed: Int, scale: Float) {
        self.batch = batch
        self.embed = embed
        self.scale = scale
        unit = FloatBuffer(count: batch * embed)
        norms = FloatBuffer(count: batch)
        scores = [Float](repeating: 0, count: batch)
    }

    /// - Parameters: embeddings [B, E]; text [2, E] unit features.
    func forward(embeddings: UnsafePointer<Float>, text: UnsafePointer<Float>) {
        let e = embed
        L2Normalize.forward(out: unit.pointer, norms: norms.pointer, inp: embeddings, rows: batch, width: e)
        let z = FloatBuffer(count: batch * 2)
        BLAS.gemm(transA: false, transB: true, m: batch, n: 2, k: e, alpha: scale, a: unit.pointer, lda: e, b: text, ldb: e, c: z.pointer, ldc: 2)
        for b in 0..<batch { scores[b] = 1 / (1 + expf(z.pointer[2 * b] - z.pointer[2 * b + 1])) }
    }

    /// dtext [2, E] += d(Σ dscores·score)/dtext (the embeddings come from frozen weights: no gradient for them).
    func backward(dscores: [Float], dtext: UnsafeMutablePointer<Float>) {
        let e = embed
        let dz = FloatBuffer(count: batch * 2)
        for b in 0..<batch {
            let p = scores[b]
            // σ(z_a − z_n): dz_a = ds·p(1 − p), dz_n = −dz_a
            let v = dscores[b] * p * (1 - p)
            dz.pointer[2 * b] = -v
            dz.pointer[2 * b + 1] = v
        }
        BLAS.gemm(transA: true, transB: false, m: 2, n: e, k: batch, alpha: scale, a: dz.pointer, lda: 2, b: unit.pointer, ldb: e, beta: 1, c: dtext, ldc: e)
    }
}
