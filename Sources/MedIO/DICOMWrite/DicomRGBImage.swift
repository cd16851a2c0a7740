/// An 8-bit RGB picture, pixel-interleaved, row-major: `pixels[(row * columns + column) * 3 + channel]`.
public struct DicomRGBImage: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var pixels: [UInt8]

    public init(rows: Int, columns: Int, pixels: [UInt8]) {
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }
}
