import CLIP
import Raster
import Tensor

extension MedVMADConfig {
    /// Where a level's patch features come from.
    public enum PatchFeatureSource: String, Codable, Sendable {
        /// The seg / det adapter bottlenecks (E wide), CLS dropped.
        case adapters
        /// `ln_post` + projection of the residual stream after the feature layer, CLS dropped (seg = det).
        case projectedStream = "projected_stream"
    }

    /// The patch feature source in effect.
    public var patchFeatureSource: PatchFeatureSource { patchFeatures ?? (adapters != nil ? .adapters : .projectedStream) }

    /// Whether the prompts are learned (false for a fixed ensemble).
    public var learnsPrompts: Bool { promptEnsemble == nil }

    /// The image and mask preprocessing of this model: CLIP mean/std unless `normalizeInput` is false;
    /// masks resized with `maskFilter` (bilinear by default).
    public var preprocessor: CLIPImagePreprocessor {
        var p = CLIPImagePreprocessor(imageSize: imageSize)
        if !(normalizeInput ?? true) {
            p.mean = .init(red: 0, green: 0, blue: 0)
            p.std = .init(red: 1, green: 1, blue: 1)
        }
        if let f = maskFilter.flatMap(ResampleFilter.init(rawValue:)) { p.maskFilter = f }
        return p
    }

    /// Consistency of the baseline settings (called from `validate`).
    func validateBaselineSettings(path: String) throws {
        func fail(_ r: String) -> MedVMADError { .invalidConfig(path: path, reason: r) }
        if let f = maskFilter, ResampleFilter(rawValue: f) == nil {
            throw fail("mask_filter '\(f)' is not one of \(ResampleFilter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if patchFeatureSource == .adapters && adapters == nil { throw fail("patch_features 'adapters' needs adapters") }
        if let e = promptEnsemble {
            if e.normalStates.isEmpty || e.abnormalStates.isEmpty || e.templates.isEmpty { throw fail("the prompt ensemble needs states and templates") }
            if !(e.normalStates + e.abnormalStates + e.templates).allSatisfy({ $0.contains("{}") }) { throw fail("every ensemble state and template needs a '{}'") }
        }
        // The global score's gradient would reach adapters through every later block; that path is not differentiated.
        if effectiveImageScoreRule == .globalEmbedding && adapters != nil { throw fail("image_score_rule 'global_embedding' is available only without adapters") }
        if !learnsPrompts && adapters == nil { throw fail("a model with fixed prompts and no adapters has nothing to learn") }
    }

    /// `text-only`: the medvmad settings without adapters; features are the projected stream and the
    /// image score comes from the global embedding.
    static func textOnlyConfig(medvmad: MedVMADConfig) -> MedVMADConfig {
        var c = medvmad
        c.profile = Profile.textOnly.rawValue
        c.adapters = nil
        c.patchFeatures = .projectedStream
        c.imageScoreRule = .globalEmbedding
        return c
    }

    /// `mvfa`: MVFA-AD's settings (reference-methods §4; masks resized with nearest as its loader does). The image side is 240/336 of the backbone's
    /// (240 px on ViT-L/14@336: a 17×17 grid, the position grid resized with antialiased bicubic).
    static func mvfaConfig(clip: CLIPConfig, className: String, featureLayers: [Int], adapters: AdapterSettings) -> MedVMADConfig {
        let training = TrainingSettings(learningRate: 1e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 1, epochs: 50, seed: 111,
                                        focalGamma: 2, focalSmoothing: 1e-5, diceSmoothing: 1, diceOnNormal: false, localWeight: 1)
        return MedVMADConfig(
            profile: Profile.mvfa.rawValue, imageSize: clip.vision.imageSize * 240 / 336, featureLayers: featureLayers, visionBlock: .standard,
            visionActivation: .gelu, textActivation: .gelu, adapters: adapters,
            prompt: PromptSettings(contextLength: 0, deepTokens: 0, depth: 1, normalTemplate: "{}", abnormalTemplate: "damaged {}",
                                   className: className, placeholder: "X"),
            logitScale: 100, smoothingSigma: 0, smoothingTruncate: 4, training: training,
            positionResize: .bicubicAntialiased, imageScoreRule: .meanPatchProbability, normalizeInput: false, maskFilter: ResampleFilter.nearest.rawValue,
            patchFeatures: .adapters, promptEnsemble: .mvfa)
    }
}
