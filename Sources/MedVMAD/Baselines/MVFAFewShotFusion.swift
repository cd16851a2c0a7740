import Foundation
import Raster
import Tensor

/// Few-shot scoring of a test set: the memory, and the min–max ranges of the zero-shot and few-shot
/// maps over the whole set (found by a first pass), so that each image's fused map can be made alone.
public struct MVFAFewShotFusion: @unchecked Sendable {
    // @unchecked: holds the immutable memory.
    public let memory: MVFAFewShotMemory
    /// (minimum, maximum) over the test set.
    public let zeroShotRange: (Float, Float)
    public let fewShotRange: (Float, Float)

    public init(memory: MVFAFewShotMemory, zeroShotRange: (Float, Float), fewShotRange: (Float, Float)) {
        self.memory = memory
        self.zeroShotRange = zeroShotRange
        self.fewShotRange = fewShotRange
    }

    /// Runs the first pass over `count` batches (`batch(i)`: preprocessed [B, 3, S, S] pixels; together the whole test set).
    public static func measure(memory: MVFAFewShotMemory, count: Int, batch: (Int) throws -> Tensor) throws -> MVFAFewShotFusion {
        var z = (Float.infinity, -Float.infinity), f = (Float.infinity, -Float.infinity)
        let text = memory.model.textFeatures()
        for i in 0..<count {
            let pixels = try batch(i)
            let zero = try memory.model.forward(pixels: pixels, textFeatures: text).anomalyMaps.data
            let few = try memory.maps(pixels: pixels).data
            z = (min(z.0, zero.min() ?? z.0), max(z.1, zero.max() ?? z.1))
            f = (min(f.0, few.min() ?? f.0), max(f.1, few.max() ?? f.1))
        }
        return MVFAFewShotFusion(memory: memory, zeroShotRange: z, fewShotRange: f)
    }

    /// Fused maps [B·S·S] (0.5·minmax(zero-shot) + 0.5·minmax(few-shot), values in [0, 1]) and scores (map maxima).
    public func fuse(pixels: Tensor, zeroShotMaps: Tensor) throws -> (maps: [Float], scores: [Float]) {
        let few = try memory.maps(pixels: pixels).data, zero = zeroShotMaps.data
        let zr = zeroShotRange.1 - zeroShotRange.0, fr = fewShotRange.1 - fewShotRange.0
        let maps = zip(zero, few).map { 0.5 * (zr > 0 ? ($0 - zeroShotRange.0) / zr : 0) + 0.5 * (fr > 0 ? ($1 - fewShotRange.0) / fr : 0) }
        let plane = memory.model.config.imageSize * memory.model.config.imageSize
        let scores = stride(from: 0, to: maps.count, by: plane).map { maps[$0..<($0 + plane)].max() ?? 0 }
        return (maps, scores)
    }
}

extension MVFAFewShotFusion {
    /// The first `shots` PNG images (by file name) of `directory`, preprocessed for `model` ([K, 3, S, S]).
    public static func supports(directory: String, shots: Int, model: MedVMADModel) throws -> Tensor {
        guard shots >= 1 else { throw MedVMADError.invalidInput(reason: "the few-shot mode needs at least one support image") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw MedVMADError.invalidData(path: directory, reason: "few-shot normal images: cannot read the folder")
        }
        let files = names.filter { $0.lowercased().hasSuffix(".png") }.sorted().prefix(shots)
        guard files.count == shots else {
            throw MedVMADError.invalidData(path: directory, reason: "\(shots) normal support images asked for, \(files.count) PNG images found")
        }
        let pre = model.config.preprocessor
        return Tensor.stack(try files.map { name in
            let path = (directory as NSString).appendingPathComponent(name)
            do { return try pre.pixelValues(try PNGFile.read(path)) } catch {
                throw MedVMADError.invalidData(path: path, reason: "few-shot support image: \(error)")
            }
        })
    }

    /// Builds the few-shot scoring of `model` for the images of `dataset` (first pass over the set for the ranges).
    public static func prepare(model: MedVMADModel, normalsDirectory: String, shots: Int, dataset: BMADDataset, batchSize: Int) throws -> MVFAFewShotFusion {
        let memory = try MVFAFewShotMemory(model: model, supports: try supports(directory: normalsDirectory, shots: shots, model: model))
        let pre = model.config.preprocessor, items = dataset.items, step = max(1, batchSize)
        // Batches are read as they are scored: the set need not fit in memory.
        return try measure(memory: memory, count: (items.count + step - 1) / step) { i in
            Tensor.stack(try items[(i * step)..<min((i + 1) * step, items.count)].map { try BMADDataset.sample($0, preprocessor: pre).pixels })
        }
    }
}
