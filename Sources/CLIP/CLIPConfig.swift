import Foundation
import Tensor

/// Hyperparameters of a CLIP model, named as in Hugging Face's `CLIPConfig`.
public struct CLIPConfig: Codable, Sendable, Equatable {
    /// The image tower.
    public struct Vision: Codable, Sendable, Equatable {
        /// Input side in pixels (`image_size`).
        public var imageSize: Int
        /// Patch side in pixels (`patch_size`).
        public var patchSize: Int
        /// Residual stream width C (`hidden_size`).
        public var width: Int
        /// Blocks (`num_hidden_layers`).
        public var layers: Int
        /// Attention heads H (`num_attention_heads`).
        public var heads: Int
        /// MLP hidden width (`intermediate_size`).
        public var mlpWidth: Int
        /// MLP activation (`hidden_act`).
        public var activation: Activation
        /// LayerNorm epsilon (`layer_norm_eps`).
        public var layerNormEps: Float
        /// Input channels (`num_channels`).
        public var channels: Int

        /// Patches per side G.
        public var gridSize: Int { imageSize / patchSize }
        /// Tokens T = 1 + G².
        public var tokens: Int { 1 + gridSize * gridSize }
    }

    /// The text tower.
    public struct Text: Codable, Sendable, Equatable {
        public var vocabSize: Int
        /// Context length (`max_position_embeddings`).
        public var contextLength: Int
        public var width: Int
        public var layers: Int
        public var heads: Int
        public var mlpWidth: Int
        public var activation: Activation
        public var layerNormEps: Float
    }

    public var vision: Vision
    public var text: Text
    /// Joint embedding width E (`projection_dim`).
    public var projectionDim: Int

    public init(vision: Vision, text: Text, projectionDim: Int) {
        self.vision = vision
        self.text = text
        self.projectionDim = projectionDim
    }

    /// Checks that the numbers describe a buildable model.
    public func validate(path: String) throws {
        func fail(_ r: String) -> CLIPError { .invalidConfig(path: path, reason: r) }
        for (name, v) in [("vision.image_size", vision.imageSize), ("vision.patch_size", vision.patchSize), ("vision.hidden_size", vision.width),
                          ("vision.num_hidden_layers", vision.layers), ("vision.num_attention_heads", vision.heads), ("vision.intermediate_size", vision.mlpWidth),
                          ("text.vocab_size", text.vocabSize), ("text.max_position_embeddings", text.contextLength), ("text.hidden_size", text.width),
                          ("text.num_hidden_layers", text.layers), ("text.num_attention_heads", text.heads), ("text.intermediate_size", text.mlpWidth),
                          ("projection_dim", projectionDim)] where v <= 0 || v > 1_000_000 {
            throw fail("\(name) = \(v) is out of range")
        }
        if vision.width % vision.heads != 0 { throw fail("vision width \(vision.width) is not divisible by \(vision.heads) heads") }
        if text.width % text.heads != 0 { throw fail("text width \(text.width) is not divisible by \(text.heads) heads") }
        if vision.imageSize < vision.patchSize { throw fail("image size \(vision.imageSize) is smaller than patch size \(vision.patchSize)") }
    }
}

// MARK: - Hugging Face config.json

extension CLIPConfig {
    /// Reads a Hugging Face `config.json` (`CLIPConfig`, `model_type` "clip"). Missing keys take
    /// transformers' documented defaults, as transformers itself does.
    public static func load(huggingFaceConfig path: String) throws -> CLIPConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CLIPError.invalidConfig(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CLIPError.invalidConfig(path: path, reason: "not a JSON object")
        }
        if let type = json["model_type"] as? String, type != "clip" {
            throw CLIPError.invalidConfig(path: path, reason: "model_type is '\(type)', expected 'clip'")
        }
        guard let v = json["vision_config"] as? [String: Any], let t = json["text_config"] as? [String: Any] else {
            throw CLIPError.invalidConfig(path: path, reason: "vision_config and text_config are required")
        }
        func int(_ d: [String: Any], _ k: String, _ def: Int) throws -> Int {
            guard let x = d[k] else { return def }
            guard let n = x as? NSNumber, Double(n.intValue) == n.doubleValue else {
                throw CLIPError.invalidConfig(path: path, reason: "'\(k)' must be an integer")
            }
            return n.intValue
        }
        func float(_ d: [String: Any], _ k: String, _ def: Float) throws -> Float {
            guard let x = d[k] else { return def }
            guard let n = x as? NSNumber else { throw CLIPError.invalidConfig(path: path, reason: "'\(k)' must be a number") }
            return n.floatValue
        }
        func act(_ d: [String: Any]) throws -> Activation {
            let name = (d["hidden_act"] as? String) ?? "quick_gelu"
            guard let a = Activation(rawValue: name) else {
                throw CLIPError.invalidConfig(path: path, reason: "hidden_act '\(name)' is not supported (quick_gelu, gelu)")
            }
            return a
        }
        let projection = try int(json, "projection_dim", 512)
        let vision = Vision(
            imageSize: try int(v, "image_size", 224), patchSize: try int(v, "patch_size", 32), width: try int(v, "hidden_size", 768),
            layers: try int(v, "num_hidden_layers", 12), heads: try int(v, "num_attention_heads", 12),
            mlpWidth: try int(v, "intermediate_size", 3072), activation: try act(v), layerNormEps: try float(v, "layer_norm_eps", 1e-5),
            channels: try int(v, "num_channels", 3))
        let text = Text(
            vocabSize: try int(t, "vocab_size", 49408), contextLength: try int(t, "max_position_embeddings", 77),
            width: try int(t, "hidden_size", 512), layers: try int(t, "num_hidden_layers", 12), heads: try int(t, "num_attention_heads", 8),
            mlpWidth: try int(t, "intermediate_size", 2048), activation: try act(t), layerNormEps: try float(t, "layer_norm_eps", 1e-5))
        let config = CLIPConfig(vision: vision, text: text, projectionDim: projection)
        try config.validate(path: path)
        return config
    }

    /// The config as a Hugging Face `config.json` object (what `weights convert` writes).
    public var huggingFaceJSON: [String: Any] {
        [
            "model_type": "clip", "architectures": ["CLIPModel"], "projection_dim": projectionDim, "logit_scale_init_value": 2.6592,
            "vision_config": [
                "model_type": "clip_vision_model", "image_size": vision.imageSize, "patch_size": vision.patchSize,
                "hidden_size": vision.width, "intermediate_size": vision.mlpWidth, "num_hidden_layers": vision.layers,
                "num_attention_heads": vision.heads, "hidden_act": vision.activation.rawValue, "layer_norm_eps": Double(vision.layerNormEps),
                "num_channels": vision.channels, "projection_dim": projectionDim,
            ] as [String: Any],
            "text_config": [
                "model_type": "clip_text_model", "vocab_size": text.vocabSize, "max_position_embeddings": text.contextLength,
                "hidden_size": text.width, "intermediate_size": text.mlpWidth, "num_hidden_layers": text.layers,
                "num_attention_heads": text.heads, "hidden_act": text.activation.rawValue, "layer_norm_eps": Double(text.layerNormEps),
                "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1, "projection_dim": projectionDim,
            ] as [String: Any],
        ]
    }
}

// MARK: - Presets for checkpoints that carry no config

extension CLIPConfig {
    /// OpenAI's released CLIP architectures, for checkpoints without a config (OpenAI `.pt` files).
    public enum Preset: String, CaseIterable, Sendable {
        case vitB32 = "ViT-B/32"
        case vitB16 = "ViT-B/16"
        case vitL14 = "ViT-L/14"
        case vitL14At336 = "ViT-L/14@336"

        /// The file names OpenAI released these weights under.
        public var releaseFileName: String {
            switch self {
            case .vitB32: return "ViT-B-32.pt"
            case .vitB16: return "ViT-B-16.pt"
            case .vitL14: return "ViT-L-14.pt"
            case .vitL14At336: return "ViT-L-14-336px.pt"
            }
        }

        /// Accepts "ViT-L/14@336", "ViT-L-14-336", "vit-l-14-336px" and similar spellings.
        public init?(name: String) {
            let key = name.lowercased().replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "@", with: "-")
                .replacingOccurrences(of: ".pt", with: "").replacingOccurrences(of: "px", with: "")
            switch key {
            case "vit-b-32": self = .vitB32
            case "vit-b-16": self = .vitB16
            case "vit-l-14": self = .vitL14
            case "vit-l-14-336": self = .vitL14At336
            default: return nil
            }
        }

        public var config: CLIPConfig {
            let quick = Activation.quickGELU
            switch self {
            case .vitB32, .vitB16:
                return CLIPConfig(
                    vision: Vision(imageSize: 224, patchSize: self == .vitB32 ? 32 : 16, width: 768, layers: 12, heads: 12, mlpWidth: 3072,
                                   activation: quick, layerNormEps: 1e-5, channels: 3),
                    text: Text(vocabSize: 49408, contextLength: 77, width: 512, layers: 12, heads: 8, mlpWidth: 2048, activation: quick, layerNormEps: 1e-5),
                    projectionDim: 512)
            case .vitL14, .vitL14At336:
                return CLIPConfig(
                    vision: Vision(imageSize: self == .vitL14 ? 224 : 336, patchSize: 14, width: 1024, layers: 24, heads: 16, mlpWidth: 4096,
                                   activation: quick, layerNormEps: 1e-5, channels: 3),
                    text: Text(vocabSize: 49408, contextLength: 77, width: 768, layers: 12, heads: 12, mlpWidth: 3072, activation: quick, layerNormEps: 1e-5),
                    projectionDim: 768)
            }
        }
    }
}
