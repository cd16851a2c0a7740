/// Caps on what the reader will allocate, checked against declared dimensions before decoding.
public struct DicomReadLimits: Sendable, Equatable {
    /// Most values (rows × columns × frames) one object may declare.
    public var maxValuesPerObject: Int
    /// Most voxels one assembled volume may hold.
    public var maxVoxelsPerVolume: Int
    /// Largest rows or columns accepted.
    public var maxDimension: Int
    /// Most frames one object may declare. Per-frame geometry is read for every frame before any
    /// pixel, so a tiny image claiming millions of frames must be refused on its own count.
    public var maxFrames: Int

    /// Defaults: 2^28 values per object or volume (1 GiB of float32), 65 536 rows or columns,
    /// 100 000 frames (several times the largest enhanced CT or tomosynthesis objects).
    public init(maxValuesPerObject: Int = 1 << 28, maxVoxelsPerVolume: Int = 1 << 28, maxDimension: Int = 65_536,
                maxFrames: Int = 100_000) {
        self.maxValuesPerObject = maxValuesPerObject
        self.maxVoxelsPerVolume = maxVoxelsPerVolume
        self.maxDimension = maxDimension
        self.maxFrames = maxFrames
    }

    func check(_ h: DicomHeader) throws {
        guard h.rows > 0, h.columns > 0 else {
            throw MedIOError.invalid(path: h.path, reason: "Rows/Columns \(h.rows) x \(h.columns)")
        }
        guard h.rows <= maxDimension, h.columns <= maxDimension else {
            throw MedIOError.limitExceeded(path: h.path, reason: "\(h.rows) rows x \(h.columns) columns exceeds the limit of \(maxDimension)")
        }
        guard h.frames <= maxFrames else {
            throw MedIOError.limitExceeded(path: h.path, reason: "\(h.frames) frames exceeds the limit of \(maxFrames)")
        }
        let (product, overflow) = h.rows.multipliedReportingOverflow(by: h.columns * max(h.frames, 1))
        guard !overflow, product <= maxValuesPerObject else {
            throw MedIOError.limitExceeded(
                path: h.path,
                reason: "\(h.rows) x \(h.columns) x \(h.frames) frames exceeds the limit of \(maxValuesPerObject) values")
        }
    }
}
