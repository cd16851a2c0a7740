/// Size and content of a synthetic breast tomosynthesis volume.
public struct BreastPhantomOptions: Sendable, Equatable {
    /// Seed of the texture, the mass shape and the noise.
    public var seed: UInt64
    /// Image rows (top to bottom: across the breast).
    public var rows: Int
    /// Image columns (left to right: chest wall to nipple).
    public var columns: Int
    /// Reconstructed planes (paddle to paddle).
    public var frames: Int
    /// In-plane pixel spacing, mm.
    public var pixelSpacing: Double
    /// Distance between planes and their thickness, mm.
    public var sliceThickness: Double

    /// Defaults: 40 planes of 256×320 at 0.4 mm, 1 mm apart.
    public init(seed: UInt64 = 7, rows: Int = 256, columns: Int = 320, frames: Int = 40, pixelSpacing: Double = 0.4,
                sliceThickness: Double = 1) {
        self.seed = seed
        self.rows = rows
        self.columns = columns
        self.frames = frames
        self.pixelSpacing = pixelSpacing
        self.sliceThickness = sliceThickness
    }

    func validate() throws {
        guard rows >= 32, columns >= 32, rows <= 4096, columns <= 4096 else {
            throw SynthesisError.invalidParameter(name: "size", reason: "\(rows)×\(columns) outside 32…4096")
        }
        guard frames >= 4, frames <= 512 else { throw SynthesisError.invalidParameter(name: "frames", reason: "\(frames) outside 4…512") }
        guard pixelSpacing > 0, sliceThickness > 0 else {
            throw SynthesisError.invalidParameter(name: "spacing", reason: "must be positive")
        }
    }
}
