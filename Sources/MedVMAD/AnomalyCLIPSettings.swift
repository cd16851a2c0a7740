import CLIP
import Tensor

extension MedVMADConfig {
    /// How a level's two-channel pixel probabilities are made from patch–text cosines.
    public enum MapRule: String, Codable, Sendable {
        /// Bilinear align-corners upsampling of the two scaled cosine planes, then a per-pixel softmax (MedVMAD, MVFA).
        case upsampleLogitsAlignCorners = "upsample_logits_align_corners"
        /// Per-patch softmax of the scaled cosines, then bilinear half-pixel upsampling of the two probability planes (AnomalyCLIP).
        case softmaxThenUpsampleHalfPixel = "softmax_then_upsample_half_pixel"
    }

    /// Where an image's score comes from.
    public enum ImageScoreRule: String, Codable, Sendable {
        /// Σ levels of the mean over patches of p(abnormal) from the det features (MedVMAD).
        case meanPatchProbability = "mean_patch_probability"
        /// p(abnormal) of the global embedding (CLS after the last block → `ln_post` → projection) against
        /// the text (the text-only ablation).
        case globalEmbedding = "global_embedding"
        /// softmax(scale · cos(g, t))[abnormal] with g = final CLS of the original stream `@ proj`, without
        /// `ln_post` (AnomalyCLIP's global embedding).
        case globalClassTokenWithoutNorm = "global_cls_without_ln_post"
    }

    /// The image-level loss.
    public enum ImageLoss: String, Codable, Sendable {
        /// Σ levels BCE-with-logits applied to the per-level image score (a probability; MedVMAD's double squashing).
        case bceWithLogitsPerLevel = "bce_with_logits_per_level"
        /// Cross-entropy over the two global logits scale · cos(g, t) with the image label (AnomalyCLIP).
        case crossEntropyGlobal = "cross_entropy_global"
    }

    /// The rule in effect (the default when the file does not name one).
    public var effectiveMapRule: MapRule { mapRule ?? .upsampleLogitsAlignCorners }
    public var effectiveImageScoreRule: ImageScoreRule { imageScoreRule ?? .meanPatchProbability }
    public var effectiveImageLoss: ImageLoss { training.imageLoss ?? .bceWithLogitsPerLevel }

    /// Whether the model runs AnomalyCLIP's frozen dual-path vision side (tokens from ln_post + proj, no adapters).
    public var usesDualPathVision: Bool { dpamFromLayer != nil }

    /// The `anomalyclip` profile (reference-methods §3) on a CLIP config.
    ///
    /// Choices: image side 518 on ViT-L/14@336, i.e. the native grid scaled by 37/24 (a tiny 56-px tower
    /// gets 84 px); DPAM from layer 6 of 24 (a quarter of the depth on shallower towers); features from
    /// the last layer only with λ = 4, which is what the public scripts run since the 2025 fix (the four
    /// identical maps of the earlier code summed ≡ 4 × one map); 15 epochs, batch 8, Adam 1e-3, β (0.5, 0.999).
    public static func anomalyCLIP(clip: CLIPConfig) -> MedVMADConfig {
        let layers = clip.vision.layers, patch = clip.vision.patchSize
        let grid = max(1, Int((Double(clip.vision.gridSize) * 37 / 24).rounded()))
        let training = TrainingSettings(learningRate: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 8, epochs: 15, seed: 111,
                                        focalGamma: 2, focalSmoothing: 1e-5, diceSmoothing: 1, diceOnNormal: true, localWeight: 4,
                                        imageLoss: .crossEntropyGlobal)
        return MedVMADConfig(
            profile: Profile.anomalyclip.rawValue, imageSize: grid * patch, featureLayers: [layers], visionBlock: .standard,
            visionActivation: clip.vision.activation, textActivation: clip.text.activation, adapters: nil,
            prompt: PromptSettings(contextLength: 12, deepTokens: 4, depth: min(9, clip.text.layers), normalTemplate: "{}",
                                   abnormalTemplate: "damaged {}", className: "object", placeholder: "X"),
            logitScale: 1 / 0.07, smoothingSigma: 4, smoothingTruncate: 4, training: training,
            dpamFromLayer: max(1, layers / 4), positionResize: .bilinear, mapRule: .softmaxThenUpsampleHalfPixel,
            imageScoreRule: .globalClassTokenWithoutNorm)
    }

    /// Checks that the scoring rules fit the model's vision side.
    func validateScoringRules(path: String, clip: CLIPConfig?) throws {
        func fail(_ r: String) -> MedVMADError { .invalidConfig(path: path, reason: r) }
        if effectiveImageLoss == .crossEntropyGlobal && effectiveImageScoreRule != .globalClassTokenWithoutNorm {
            throw fail("image_loss cross_entropy_global needs image_score_rule global_cls_without_ln_post")
        }
        if let d = dpamFromLayer {
            if d < 1 { throw fail("dpam_from_layer must be ≥ 1") }
            if let clip, d > clip.vision.layers { throw fail("dpam_from_layer \(d) exceeds the \(clip.vision.layers) vision layers") }
            if adapters != nil { throw fail("a DPAM model takes its features from the v-v path and has no adapters; remove 'adapters'") }
            if visionBlock != .standard { throw fail("DPAM runs on standard vision blocks") }
            if effectiveImageScoreRule != .globalClassTokenWithoutNorm || effectiveImageLoss != .crossEntropyGlobal {
                throw fail("a DPAM model scores images from the global CLS: set image_score_rule global_cls_without_ln_post and image_loss cross_entropy_global")
            }
        } else if effectiveImageScoreRule == .globalClassTokenWithoutNorm {
            throw fail("image_score_rule global_cls_without_ln_post needs the DPAM dual-path vision (dpam_from_layer)")
        } else if adapters != nil {
            if effectiveMapRule != .upsampleLogitsAlignCorners || effectiveImageScoreRule != .meanPatchProbability || effectiveImageLoss != .bceWithLogitsPerLevel {
                throw fail("models with adapters support map_rule upsample_logits_align_corners, image_score_rule mean_patch_probability and image_loss bce_with_logits_per_level only")
            }
        }
    }
}
