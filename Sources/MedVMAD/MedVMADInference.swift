import CLIP
import Foundation
import Raster
import Tensor

/// A loaded model ready to score slices: text features computed once, batches of images in, maps out.
public final class MedVMADInference: @unchecked Sendable {
    // @unchecked: read-only after load; `infer` allocates its own buffers per call.
    public let model: MedVMADModel
    public let manifest: ModelManifest
    public let modelDirectory: String
    public let textFeatures: Tensor
    public let preprocessor: CLIPImagePreprocessor
    /// MVFA few-shot scoring; when set, maps and scores are the fused ones (set before scoring starts).
    public var fewShot: MVFAFewShotFusion?

    /// One slice's result at the model's resolution.
    public struct SliceResult: Sendable {
        /// [S·S] smoothed Σ-levels abnormal probability (0 … number of levels).
        public var map: [Float]
        public var size: Int
        public var score: Float

        /// A result from its parts (`map` holds `size`² values, row-major).
        public init(map: [Float], size: Int, score: Float) {
            self.map = map
            self.size = size
            self.score = score
        }
    }

    public init(model: MedVMADModel, manifest: ModelManifest, modelDirectory: String) {
        self.model = model
        self.manifest = manifest
        self.modelDirectory = modelDirectory
        textFeatures = model.textFeatures()
        preprocessor = model.config.preprocessor
    }

    /// Loads a model folder (see `MedVMADModel.load`).
    public static func load(modelDirectory: String, className: String? = nil, clipPath: String? = nil) throws -> MedVMADInference {
        let (model, manifest) = try MedVMADModel.load(modelDirectory: modelDirectory, className: className, clipPath: clipPath)
        return MedVMADInference(model: model, manifest: manifest, modelDirectory: modelDirectory)
    }

    public var imageSize: Int { model.config.imageSize }

    /// Scores preprocessed pixels [B, 3, S, S]; `interrupt` is called before each transformer block
    /// and may throw to stop the batch (see `MedVMADModel.forward`).
    public func infer(pixels: Tensor, interrupt: () throws -> Void = {}) throws -> [SliceResult] {
        let out = try model.forward(pixels: pixels, textFeatures: textFeatures, interrupt: interrupt)
        let s = imageSize, b = pixels.shape[0]
        if let fewShot {
            let fused = try fewShot.fuse(pixels: pixels, zeroShotMaps: out.anomalyMaps)
            return (0..<b).map { i in SliceResult(map: Array(fused.maps[(i * s * s)..<((i + 1) * s * s)]), size: s, score: fused.scores[i]) }
        }
        return (0..<b).map { i in SliceResult(map: Array(out.anomalyMaps.data[(i * s * s)..<((i + 1) * s * s)]), size: s, score: out.imageScores[i]) }
    }

    /// Scores images of any size and mode (resized to S×S with PIL bicubic), `batchSize` at a time;
    /// `interrupt` is called before each batch and each transformer block and may throw to stop.
    public func infer(images: [ByteImage], batchSize: Int = 8, interrupt: () throws -> Void = {}) throws -> [SliceResult] {
        var results: [SliceResult] = []
        for start in stride(from: 0, to: images.count, by: max(1, batchSize)) {
            try interrupt()
            let chunk = images[start..<min(start + batchSize, images.count)]
            let pixels = Tensor.stack(try chunk.map { try preprocessor.pixelValues($0) })
            results += try infer(pixels: pixels, interrupt: interrupt)
        }
        return results
    }

    /// The number of levels summed into a map (its largest possible value).
    public var mapMaximum: Float { fewShot == nil ? Float(model.config.featureLayers.count) : 1 }
}
