import CLIP
import Tensor

/// Every setting of a MedVMAD-family model (`medvmad.json` in a model folder).
///
/// A profile is a named preset of these settings (see `Profile`); any setting can be overridden
/// in the file. Model code reads numbers only from here.
public struct MedVMADConfig: Codable, Sendable, Equatable {
    /// Profile the settings started from ("medvmad", "medvmad-seed", …).
    public var profile: String
    /// Model input side in pixels.
    public var imageSize: Int
    /// 1-based vision layers after which adapters act and features are taken (`features_list`).
    public var featureLayers: [Int]
    /// Vision block variant and activation.
    public var visionBlock: BlockKind
    public var visionActivation: Activation
    public var textActivation: Activation
    /// Residual adapters, or nil for a model without them.
    public var adapters: AdapterSettings?
    /// Text prompts.
    public var prompt: PromptSettings
    /// Multiplier on patch–text cosines (1 for MedVMAD).
    public var logitScale: Float
    /// Gaussian σ for the summed map (0 = no smoothing), truncated at `smoothingTruncate`·σ.
    public var smoothingSigma: Float
    public var smoothingTruncate: Float
    /// Optimiser and schedule.
    public var training: TrainingSettings
    /// 1-based vision layer from which DPAM v-v attention runs on a second residual stream (nil: none).
    public var dpamFromLayer: Int?
    /// Position-embedding resizing for image sizes other than the CLIP config's (nil: bicubic).
    public var positionResize: PositionEmbeddingResize?
    /// How a level's pixel probabilities are made (nil: `.upsampleLogitsAlignCorners`).
    public var mapRule: MapRule?
    /// Where the image score comes from (nil: `.meanPatchProbability`).
    public var imageScoreRule: ImageScoreRule?
    /// Whether pixels are normalised with CLIP's mean and std (nil: true).
    public var normalizeInput: Bool?
    /// Mask resampling filter, "nearest" / "bilinear" / "bicubic" (nil: bilinear).
    public var maskFilter: String?
    /// Where patch features come from (nil: adapter bottlenecks when the model has adapters, else the projected stream).
    public var patchFeatures: PatchFeatureSource?
    /// A fixed prompt ensemble used instead of learned prompts (nil: learned prompts).
    public var promptEnsemble: PromptEnsemble?

    public struct AdapterSettings: Codable, Sendable, Equatable {
        /// Bottleneck width (the joint embedding width E, so features compare with text directly).
        public var bottleneck: Int
        /// Stream mix: x ← mix[0]·x + mix[1]·seg(x) + mix[2]·det(x).
        public var mix: [Float]
        /// LeakyReLU slope after each adapter matrix.
        public var leakySlope: Float
    }

    public struct PromptSettings: Codable, Sendable, Equatable {
        /// Learned context vectors per prompt (`n_ctx`).
        public var contextLength: Int
        /// Rows overwritten by deep prompts (`t_n_ctx`).
        public var deepTokens: Int
        /// Deep prompts enter before text layers 1 ..< depth (`depth`).
        public var depth: Int
        /// Templates with `{}` for the class name.
        public var normalTemplate: String
        public var abnormalTemplate: String
        /// Organ or object name put into the templates.
        public var className: String
        /// Placeholder token standing for each context vector in the tokenised prompt.
        public var placeholder: String

        /// The two strings fed to the tokenizer (normal, abnormal).
        public var texts: [String] {
            let ctx = Array(repeating: placeholder, count: contextLength).joined(separator: " ")
            return [normalTemplate, abnormalTemplate].map { t in
                let body = t.replacingOccurrences(of: "{}", with: className)
                return (contextLength > 0 ? ctx + " " : "") + body + "."
            }
        }
    }

    public struct TrainingSettings: Codable, Sendable, Equatable {
        public var learningRate: Float
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float
        public var batchSize: Int
        public var epochs: Int
        public var seed: UInt64
        /// Focal γ and the probability smoothing of the focal loss.
        public var focalGamma: Float
        public var focalSmoothing: Float
        /// Dice smoothing.
        public var diceSmoothing: Float
        /// Include Dice on the normal channel.
        public var diceOnNormal: Bool
        /// Weight λ of the local (pixel) losses.
        public var localWeight: Float
        /// The image-level loss (nil: `.bceWithLogitsPerLevel`).
        public var imageLoss: ImageLoss?
    }

    /// Checks consistency with itself and with the CLIP config it runs on.
    public func validate(path: String, clip: CLIPConfig? = nil) throws {
        func fail(_ r: String) -> MedVMADError { .invalidConfig(path: path, reason: r) }
        if featureLayers.isEmpty { throw fail("feature_layers is empty") }
        if featureLayers != featureLayers.sorted() || Set(featureLayers).count != featureLayers.count { throw fail("feature_layers must be strictly increasing") }
        if let a = adapters {
            if a.mix.count != 3 { throw fail("adapter mix must have 3 weights") }
            if a.bottleneck <= 0 { throw fail("adapter bottleneck must be positive") }
        }
        if prompt.depth < 1 { throw fail("prompt depth must be ≥ 1") }
        if prompt.deepTokens < 0 || prompt.contextLength < 0 { throw fail("prompt lengths must be ≥ 0") }
        if prompt.depth > 1 && prompt.deepTokens > prompt.contextLength + 1 { throw fail("deep prompt tokens exceed the prompt") }
        if training.batchSize < 1 || training.epochs < 0 { throw fail("batch size must be ≥ 1 and epochs ≥ 0") }
        try validateScoringRules(path: path, clip: clip)
        try validateBaselineSettings(path: path)
        if let clip {
            if let last = featureLayers.last, last > clip.vision.layers || featureLayers[0] < 1 {
                throw fail("feature layers \(featureLayers) do not fit a \(clip.vision.layers)-layer vision tower")
            }
            if prompt.depth - 1 >= clip.text.layers && prompt.depth > 1 { throw fail("prompt depth \(prompt.depth) exceeds \(clip.text.layers) text layers") }
            if imageSize < clip.vision.patchSize { throw fail("image size \(imageSize) is smaller than the patch size") }
            if let a = adapters, a.bottleneck != clip.projectionDim {
                throw fail("adapter bottleneck \(a.bottleneck) must equal the CLIP embedding width \(clip.projectionDim) (features are compared with text embeddings)")
            }
        }
    }
}

extension MedVMADConfig {
    /// Named presets.
    public enum Profile: String, CaseIterable, Sendable {
        /// The paper's design: standard frozen CLIP blocks with QuickGELU.
        case medvmad
        /// The public code's behaviour: vision attention output discarded, exact GELU, "object." prompts.
        case medvmadSeed = "medvmad-seed"
        /// The AnomalyCLIP baseline: DPAM v-v path, learned object-agnostic prompts, no adapters.
        case anomalyclip
        /// The paper's ablation: learned prompts, no adapters, projected stream features, global image score.
        case textOnly = "text-only"
        /// MVFA-AD: 240 px, exact GELU, no input normalisation, fixed prompt ensemble, scale 100, adapters trained.
        case mvfa

        /// The profile's settings for a CLIP config (layer numbers scale to shallower towers).
        public func config(clip: CLIPConfig, className: String = "brain") -> MedVMADConfig {
            let training = TrainingSettings(learningRate: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 8, epochs: 10, seed: 111,
                                            focalGamma: 2, focalSmoothing: 1e-5, diceSmoothing: 1, diceOnNormal: true, localWeight: 1)
            let layers = clip.vision.layers
            // 6/12/18/24 on a 24-layer tower: every quarter of the depth.
            let features = layers >= 4 ? (1...4).map { $0 * layers / 4 } : Array(1...layers)
            let adapters = AdapterSettings(bottleneck: clip.projectionDim, mix: [0.8, 0.1, 0.1], leakySlope: 0.01)
            switch self {
            case .medvmad:
                return MedVMADConfig(
                    profile: rawValue, imageSize: clip.vision.imageSize, featureLayers: features, visionBlock: .standard,
                    visionActivation: clip.vision.activation, textActivation: clip.text.activation, adapters: adapters,
                    prompt: PromptSettings(contextLength: 12, deepTokens: 4, depth: min(9, clip.text.layers), normalTemplate: "normal {}",
                                           abnormalTemplate: "abnormal {} with lesion", className: className, placeholder: "X"),
                    logitScale: 1, smoothingSigma: 4, smoothingTruncate: 4, training: training)
            case .medvmadSeed:
                return MedVMADConfig(
                    profile: rawValue, imageSize: clip.vision.imageSize, featureLayers: features, visionBlock: .mlpOnly,
                    visionActivation: .gelu, textActivation: clip.text.activation, adapters: adapters,
                    prompt: PromptSettings(contextLength: 12, deepTokens: 4, depth: min(9, clip.text.layers), normalTemplate: "{}",
                                           abnormalTemplate: "abnormal {}", className: "object", placeholder: "X"),
                    logitScale: 1, smoothingSigma: 4, smoothingTruncate: 4, training: training)
            case .anomalyclip:
                return MedVMADConfig.anomalyCLIP(clip: clip)
            case .textOnly:
                return MedVMADConfig.textOnlyConfig(medvmad: Profile.medvmad.config(clip: clip, className: className))
            case .mvfa:
                return MedVMADConfig.mvfaConfig(clip: clip, className: className, featureLayers: features, adapters: adapters)
            }
        }
    }
}
