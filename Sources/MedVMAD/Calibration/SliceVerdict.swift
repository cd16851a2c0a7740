/// The decision on one slice or image.
public struct SliceVerdict: Codable, Sendable, Equatable {
    /// The image score.
    public var score: Float
    /// The image-score threshold applied (abnormal iff score > threshold).
    public var threshold: Float
    public var abnormal: Bool
    /// Fraction of the slice's map pixels strictly above the pixel threshold.
    public var flaggedPixelFraction: Double
    /// The pixel threshold applied to the map.
    public var pixelThreshold: Float

    public init(score: Float, threshold: Float, abnormal: Bool, flaggedPixelFraction: Double, pixelThreshold: Float) {
        self.score = score
        self.threshold = threshold
        self.abnormal = abnormal
        self.flaggedPixelFraction = flaggedPixelFraction
        self.pixelThreshold = pixelThreshold
    }
}
