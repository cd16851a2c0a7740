/// One image of a synthetic BMAD set, as recorded in `manifest.json`.
public struct BMADSample: Sendable, Codable, Equatable {
    /// "train", "valid" or "test".
    public var split: String
    /// "good" or "Ungood".
    public var className: String
    /// File name inside `<split>/<class>/img/` (and `anomaly_mask/` for Ungood).
    public var fileName: String
    /// Axial slice index in the source volume.
    public var slice: Int
    /// 0 for the first image of this slice and class in the split; higher ones are mirrored (odd), brightness-changed (2 and up) or carry other lesions.
    public var variant: Int
    /// Whether the slice was mirrored left–right.
    public var mirrored: Bool
    /// Lesions added (empty for good images).
    public var lesions: [SyntheticLesion]
    /// Mask pixels (0 for good images).
    public var maskPixels: Int

    /// Records one image.
    public init(split: String, className: String, fileName: String, slice: Int, variant: Int, mirrored: Bool,
                lesions: [SyntheticLesion], maskPixels: Int) {
        self.split = split
        self.className = className
        self.fileName = fileName
        self.slice = slice
        self.variant = variant
        self.mirrored = mirrored
        self.lesions = lesions
        self.maskPixels = maskPixels
    }
}
