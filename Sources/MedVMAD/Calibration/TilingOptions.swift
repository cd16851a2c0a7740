/// How `TiledInference` cuts an image into tiles.
public struct TilingOptions: Codable, Sendable, Equatable {
    /// Tile side in pixels of the analysed image (nil: the scorer's input size S, so tiles are
    /// analysed without resampling).
    public var tileSize: Int?
    /// Step between tile origins (nil: half the tile, so every pixel is covered by up to 4 tiles).
    public var stride: Int?
    /// The blending window.
    public var window: TileWindow
    /// Resampling of the whole image before tiling: 1 analyses at native resolution, 0.5 at half.
    public var resolutionScale: Double

    public init(tileSize: Int? = nil, stride: Int? = nil, window: TileWindow = .hann, resolutionScale: Double = 1) {
        self.tileSize = tileSize
        self.stride = stride
        self.window = window
        self.resolutionScale = resolutionScale
    }

    /// Modalities (DICOM codes) analysed tiled by default: mammography and breast tomosynthesis
    /// (MG; DBT is stored as MG) and projection radiographs (CR, DX) — large images whose small
    /// findings vanish when resized to the model input. Everything else (MR, CT, and the 240-px
    /// brain slices of BMAD) is resized whole.
    public static let tiledModalities: Set<String> = ["MG", "DBT", "CR", "DX"]

    /// Whether an image of this modality and size is analysed tiled by default: the modality is
    /// in `tiledModalities` and the image's longer side exceeds twice the model input size.
    public static func tiledByDefault(modality: String?, width: Int, height: Int, inputSize: Int) -> Bool {
        guard let m = modality?.uppercased(), tiledModalities.contains(m) else { return false }
        return max(width, height) > 2 * inputSize
    }

    /// A description for provenance, e.g. "tiled: 240-px tiles, stride 120, hann window, native resolution".
    public func describe(inputSize: Int) -> String {
        let t = tileSize ?? inputSize
        let res = resolutionScale == 1 ? "native resolution" : "resolution ×\(resolutionScale)"
        return "tiled: \(t)-px tiles, stride \(stride ?? t / 2), \(window.rawValue) window, \(res)"
    }
}
