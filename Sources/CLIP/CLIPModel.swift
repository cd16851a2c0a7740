import Tensor

/// Both CLIP towers, built from weights and a config.
public final class CLIPModel: Sendable {
    public let config: CLIPConfig
    public let vision: VisionTower
    public let text: TextTower
    /// `logit_scale` from the checkpoint (ln of the inverse temperature), if present.
    public let logitScale: Float?

    public init(weights: CLIPWeights, config: CLIPConfig, visionKind: BlockKind = .standard, visionActivation: Activation? = nil,
                textActivation: Activation? = nil, positionResize: PositionEmbeddingResize = .bicubic) {
        self.config = config
        vision = VisionTower(weights: weights.vision, config: config.vision, projectionDim: config.projectionDim, kind: visionKind,
                             activation: visionActivation, positionResize: positionResize)
        text = TextTower(weights: weights.text, config: config.text, projectionDim: config.projectionDim, activation: textActivation)
        logitScale = weights.logitScale
    }

    /// Cosine-similarity logits [images, texts] scaled by exp(`logitScale`).
    public func logits(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale scale: Float) -> Tensor {
        let e = config.projectionDim
        let ni = imageEmbeds.count / e, nt = textEmbeds.count / e
        func normalized(_ t: Tensor, _ n: Int) -> [Float] {
            var out = [Float](repeating: 0, count: n * e)
            t.withPointer { src in out.withUnsafeMutableBufferPointer { L2Normalize.forward(out: $0.baseAddress!, norms: nil, inp: src, rows: n, width: e) } }
            return out
        }
        let a = normalized(imageEmbeds, ni), b = normalized(textEmbeds, nt)
        var out = [Float](repeating: 0, count: ni * nt)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    BLAS.gemm(transA: false, transB: true, m: ni, n: nt, k: e, alpha: expf(scale), a: pa.baseAddress!, lda: e,
                              b: pb.baseAddress!, ldb: e, c: po.baseAddress!, ldc: nt)
                }
            }
        }
        return Tensor(shape: [ni, nt], data: out)
    }
}

import Foundation
