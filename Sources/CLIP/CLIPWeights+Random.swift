import Tensor

extension CLIPWeights {
    /// Weights drawn at random in CLIP's own initialisation scale (matrices N(0, 0.02²), LayerNorm
    /// weights 1 and biases 0), deterministic for a seed. For benchmarks, tests and demonstration
    /// backbones: no pretrained weights are involved.
    public static func random(config: CLIPConfig, seed: UInt64) -> CLIPWeights {
        var rng = Xoshiro(seed: seed)
        func normal(_ shape: [Int], std: Float = 0.02) -> Tensor {
            let n = shape.reduce(1, *)
            var data = [Float](repeating: 0, count: n)
            var i = 0
            while i < n {
                let (a, b) = rng.gaussianPair()
                data[i] = a * std
                if i + 1 < n { data[i + 1] = b * std }
                i += 2
            }
            return Tensor(shape: shape, data: data)
        }
        func block(_ c: Int, _ m: Int) -> TransformerBlockWeights {
            TransformerBlockWeights(
                ln1Weight: Tensor(repeating: 1, shape: [c]), ln1Bias: Tensor(zeros: [c]),
                ln2Weight: Tensor(repeating: 1, shape: [c]), ln2Bias: Tensor(zeros: [c]),
                qkvWeight: normal([3 * c, c]), qkvBias: Tensor(zeros: [3 * c]),
                outWeight: normal([c, c]), outBias: Tensor(zeros: [c]),
                fc1Weight: normal([m, c]), fc1Bias: Tensor(zeros: [m]),
                fc2Weight: normal([c, m]), fc2Bias: Tensor(zeros: [c]))
        }
        let v = config.vision, t = config.text, e = config.projectionDim
        let vision = VisionWeights(
            patchEmbedding: normal([v.width, v.channels, v.patchSize, v.patchSize]), classEmbedding: normal([v.width]),
            positionEmbedding: normal([1 + v.gridSize * v.gridSize, v.width]),
            preNormWeight: Tensor(repeating: 1, shape: [v.width]), preNormBias: Tensor(zeros: [v.width]),
            blocks: (0..<v.layers).map { _ in block(v.width, v.mlpWidth) },
            postNormWeight: Tensor(repeating: 1, shape: [v.width]), postNormBias: Tensor(zeros: [v.width]),
            projection: normal([e, v.width]))
        let text = TextWeights(
            tokenEmbedding: normal([t.vocabSize, t.width]), positionEmbedding: normal([t.contextLength, t.width], std: 0.01),
            blocks: (0..<t.layers).map { _ in block(t.width, t.mlpWidth) },
            finalNormWeight: Tensor(repeating: 1, shape: [t.width]), finalNormBias: Tensor(zeros: [t.width]),
            projection: normal([e, t.width]))
        return CLIPWeights(vision: vision, text: text, logitScale: 4.6052)
    }
}

/// xoshiro256** with Box–Muller normals: fast enough to fill ViT-L-sized tensors.
struct Xoshiro {
    var s: (UInt64, UInt64, UInt64, UInt64)
    init(seed: UInt64) {
        var z = seed
        func mix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var r = z
            r = (r ^ (r >> 30)) &* 0xBF58_476D_1CE4_E5B9
            r = (r ^ (r >> 27)) &* 0x94D0_49BB_1331_11EB
            return r ^ (r >> 31)
        }
        s = (mix(), mix(), mix(), mix())
    }
    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3; s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }
    mutating func unit() -> Float { Float(next() >> 40) * (1 / Float(1 << 24)) }
    mutating func gaussianPair() -> (Float, Float) {
        let u1 = max(unit(), 1e-7), u2 = unit()
        let r = (-2 * logf(u1)).squareRoot(), th = 2 * Float.pi * u2
        return (r * cosf(th), r * sinf(th))
    }
}

import Foundation
