import Tensor

/// Weights of one pre-norm transformer block, in PyTorch `Linear` layout ([out, in]).
public struct TransformerBlockWeights: Sendable {
    /// [C] each.
    public var ln1Weight, ln1Bias, ln2Weight, ln2Bias: Tensor
    /// [3C, C], rows Q | K | V; bias [3C].
    public var qkvWeight, qkvBias: Tensor
    /// [C, C], [C].
    public var outWeight, outBias: Tensor
    /// [M, C], [M].
    public var fc1Weight, fc1Bias: Tensor
    /// [C, M], [C].
    public var fc2Weight, fc2Bias: Tensor
}

/// The image tower's weights.
public struct VisionWeights: Sendable {
    /// [C, 3, P, P].
    public var patchEmbedding: Tensor
    /// [C].
    public var classEmbedding: Tensor
    /// [1 + G², C] at the native grid: row 0 for CLS, then the grid row-major.
    public var positionEmbedding: Tensor
    public var preNormWeight, preNormBias: Tensor
    public var blocks: [TransformerBlockWeights]
    public var postNormWeight, postNormBias: Tensor
    /// [E, C] (used as `x · Wᵀ`).
    public var projection: Tensor
}

/// The text tower's weights.
public struct TextWeights: Sendable {
    /// [V, C].
    public var tokenEmbedding: Tensor
    /// [L, C].
    public var positionEmbedding: Tensor
    public var blocks: [TransformerBlockWeights]
    public var finalNormWeight, finalNormBias: Tensor
    /// [E, C] (used as `x · Wᵀ`).
    public var projection: Tensor
}

/// All weights of a CLIP model.
public struct CLIPWeights: Sendable {
    public var vision: VisionWeights
    public var text: TextWeights
    /// `logit_scale` (ln of the CLIP temperature), when the checkpoint has it.
    public var logitScale: Float?
}
