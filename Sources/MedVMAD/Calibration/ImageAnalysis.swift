import Raster

/// One image analysed the way its modality calls for: resized whole to the model input, or in
/// native-resolution tiles (`TilingOptions.tiledByDefault`: large MG/DBT/CR/DX images).
public struct ImageAnalysis: Sendable {
    /// The anomaly map: S×S when resized whole, at the analysed image size when tiled.
    public var map: FloatImage
    /// The image score (max over tiles when tiled).
    public var score: Float
    /// How it was analysed, for reports ("resized to 240×240" or the tiling settings).
    public var method: String
    public var tiled: Bool

    /// Analyses `image` with `scorer`. `tiling` forces tiled analysis with those options; nil
    /// tiles with default options only when the modality and size call for it.
    public static func analyse(_ image: ByteImage, with scorer: any SliceScorer, modality: String?,
                               tiling: TilingOptions? = nil) throws -> ImageAnalysis {
        let s = scorer.inputSize
        if let options = tiling ?? (TilingOptions.tiledByDefault(modality: modality, width: image.width, height: image.height, inputSize: s)
                                    ? TilingOptions() : nil) {
            let r = try TiledInference(scorer: scorer, options: options).analyse(image)
            return ImageAnalysis(map: r.map, score: r.score, method: options.describe(inputSize: s), tiled: true)
        }
        guard let r = try scorer.score(images: [image]).first else {
            throw MedVMADError.invalidInput(reason: "the scorer returned no result")
        }
        return ImageAnalysis(map: try FloatImage(width: r.size, height: r.size, values: r.map), score: r.score,
                             method: "resized to \(s)×\(s)", tiled: false)
    }
}
