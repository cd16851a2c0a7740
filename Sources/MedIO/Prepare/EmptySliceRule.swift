/// When a slice counts as background only and is skipped.
///
/// A slice is empty when fewer than `minimumFraction` of its pixels reach grey `minimumGrey` after
/// windowing (before resizing). The defaults (grey 8, about 3% of the window; 1% of the pixels) drop
/// air-only CT slices and the noise-only slices at the ends of MR volumes.
public struct EmptySliceRule: Sendable, Codable, Equatable {
    public var minimumGrey: UInt8
    public var minimumFraction: Double

    public init(minimumGrey: UInt8 = 8, minimumFraction: Double = 0.01) {
        self.minimumGrey = minimumGrey
        self.minimumFraction = minimumFraction
    }

    /// Fraction of pixels at or above `minimumGrey`.
    public func foregroundFraction(_ grey: [UInt8]) -> Double {
        guard !grey.isEmpty else { return 0 }
        var count = 0
        for g in grey where g >= minimumGrey { count += 1 }
        return Double(count) / Double(grey.count)
    }
}
