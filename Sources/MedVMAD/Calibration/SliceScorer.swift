import Raster

/// Anything that turns images into anomaly maps and scores at a fixed square input size.
/// `MedVMADInference` is the real one; tests put a stand-in behind it so that tiling and
/// calibration can be checked on their geometry and statistics alone.
public protocol SliceScorer: Sendable {
    /// S: each image is analysed at S×S and its map has S×S values.
    var inputSize: Int { get }
    /// The largest value a map or score can take.
    var mapMaximum: Float { get }
    /// One result per image, in order (images of any size are resized to S×S by the scorer).
    func score(images: [ByteImage]) throws -> [MedVMADInference.SliceResult]
}

extension MedVMADInference: SliceScorer {
    public var inputSize: Int { imageSize }

    public func score(images: [ByteImage]) throws -> [SliceResult] {
        try infer(images: images, batchSize: 8)
    }
}
