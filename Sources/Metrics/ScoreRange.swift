/// The minimum and maximum over every map of a test set: the first pass of the AUPRO evaluation.
///
/// Streams: O(pixels) time, O(1) memory. `PixelRankingAccumulator` keeps one as well, so a single
/// pass can serve both the ranking metrics and the AUPRO thresholds.
public struct ScoreRange: Sendable, Equatable {
    public private(set) var minimum: Float = .infinity
    public private(set) var maximum: Float = -.infinity
    /// Images seen so far.
    public private(set) var imageCount = 0

    public init() {}

    /// Takes one map; NaN is an error naming the image.
    public mutating func add(map: UnsafeBufferPointer<Float>) throws {
        var lo = minimum, hi = maximum
        for i in 0..<map.count {
            let v = map[i]
            if v.isNaN { throw MetricsError.notANumber(image: imageCount, position: i) }
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        minimum = lo
        maximum = hi
        imageCount += 1
    }

    /// Array convenience for `add(map:)`.
    public mutating func add(map: [Float]) throws {
        try map.withUnsafeBufferPointer { try add(map: $0) }
    }

    /// True once a non-empty map has been seen.
    public var isEmpty: Bool { minimum > maximum }
}
