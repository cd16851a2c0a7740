/// The two checkpoint naming schemes CLIP weights come in, written out verbatim.
///
/// `WeightLayout.huggingFace` is transformers' `CLIPModel`; `WeightLayout.openAI` is OpenAI's
/// `model.py` and open_clip (`visual.proj` and `text_projection` are the transposes of the
/// Hugging Face projection weights; `in_proj_weight` stacks Q | K | V rows).
public enum WeightLayout: String, Sendable {
    case huggingFace = "Hugging Face (transformers)"
    case openAI = "OpenAI / open_clip"

    /// Names that may appear in a CLIP checkpoint and carry nothing the model uses.
    static let ignorable: Set<String> = [
        "logit_scale", "input_resolution", "context_length", "vocab_size",
        "text_model.embeddings.position_ids", "vision_model.embeddings.position_ids",
    ]

    /// Tells the layout from a marker tensor.
    static func detect(_ names: Set<String>) -> WeightLayout? {
        if names.contains("vision_model.embeddings.patch_embedding.weight") { return .huggingFace }
        if names.contains("visual.conv1.weight") { return .openAI }
        return nil
    }

    // MARK: Hugging Face names

    enum HF {
        static let patch = "vision_model.embeddings.patch_embedding.weight"
        static let classEmbedding = "vision_model.embeddings.class_embedding"
        static let visionPosition = "vision_model.embeddings.position_embedding.weight"
        static let preNorm = "vision_model.pre_layrnorm"  // sic: transformers' spelling
        static let postNorm = "vision_model.post_layernorm"
        static let visualProjection = "visual_projection.weight"
        static let token = "text_model.embeddings.token_embedding.weight"
        static let textPosition = "text_model.embeddings.position_embedding.weight"
        static let finalNorm = "text_model.final_layer_norm"
        static let textProjection = "text_projection.weight"
        static func block(_ tower: String, _ i: Int) -> String { "\(tower).encoder.layers.\(i)" }
        // inside a block
        static let ln1 = "layer_norm1", ln2 = "layer_norm2"
        static let q = "self_attn.q_proj", k = "self_attn.k_proj", v = "self_attn.v_proj", out = "self_attn.out_proj"
        static let fc1 = "mlp.fc1", fc2 = "mlp.fc2"
    }

    // MARK: OpenAI names

    enum OpenAI {
        static let patch = "visual.conv1.weight"
        static let classEmbedding = "visual.class_embedding"
        static let visionPosition = "visual.positional_embedding"
        static let preNorm = "visual.ln_pre"
        static let postNorm = "visual.ln_post"
        static let visualProjection = "visual.proj"  // [C, E]
        static let token = "token_embedding.weight"
        static let textPosition = "positional_embedding"
        static let finalNorm = "ln_final"
        static let textProjection = "text_projection"  // [C, E]
        static func block(_ prefix: String, _ i: Int) -> String { "\(prefix)transformer.resblocks.\(i)" }
        static let ln1 = "ln_1", ln2 = "ln_2"
        static let inProjWeight = "attn.in_proj_weight", inProjBias = "attn.in_proj_bias", out = "attn.out_proj"
        static let fc1 = "mlp.c_fc", fc2 = "mlp.c_proj"
    }
}
