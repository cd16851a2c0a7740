/// The second pass of the MedVMAD/AnomalyCLIP AUPRO evaluation (`metrics.cal_pro_score`), streaming.
///
/// For every threshold t of the grid: prediction = map > t; for every 8-connected region R of every
/// mask, overlap_R(t) = |pred ∩ R| / |R|; PRO(t) = mean over all regions of all images;
/// FPR(t) = |pred ∩ normal| / |normal| over all images.
///
/// Usage (two passes over the data, nothing kept between images):
///
///     var first = PixelRankingAccumulator()          // or ScoreRange()
///     for image in set { try first.add(map: image.map, mask: image.mask, height: h, width: w) }
///     var second = PROAccumulator(thresholds: PROThresholds(range: first.range))
///     for image in set { try second.add(map: image.map, mask: image.mask, height: h, width: w) }
///     let aupro = try second.curve().aupro()
///
/// Cost: instead of 200 passes of `map > t`, each pixel finds how many thresholds lie below it
/// (direct index from the grid step, then an exact fix-up against the stored thresholds), and is
/// counted once in a histogram over that number; suffix sums then give every threshold's counts.
/// O(pixels + regions × thresholds) time per image, O(pixels of one image + thresholds) memory.
public struct PROAccumulator: Sendable {
    public let thresholds: PROThresholds
    /// Normal pixels by the number of thresholds below their value (index 0…T).
    private var normalByLevel: [UInt64]
    /// Σ over regions seen of overlap_R(tᵢ), per threshold.
    private var overlapSums: [Double]
    private var regionCount = 0
    private var normalPixelCount: UInt64 = 0
    /// Images added so far; also the index that errors name.
    public private(set) var imageCount = 0

    public init(thresholds: PROThresholds) {
        self.thresholds = thresholds
        normalByLevel = [UInt64](repeating: 0, count: thresholds.values.count + 1)
        overlapSums = [Double](repeating: 0, count: thresholds.values.count)
    }

    /// Adds one image (height × width values, row-major; mask values 0 or 1). Throws, adding nothing,
    /// on bad sizes, NaN, a non-binary mask, or a value outside the first pass's range.
    public mutating func add(map: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<UInt8>, height: Int, width: Int) throws {
        let image = imageCount
        try PixelInput.validate(image: image, map: map, mask: mask, height: height, width: width)
        let components = ConnectedComponents(mask: mask, height: height, width: width)
        let t = thresholds.values.count
        let levels = t + 1
        var regionByLevel = [Int](repeating: 0, count: components.count * levels)
        var normalHere = [UInt64](repeating: 0, count: levels)
        var normalPixels: UInt64 = 0
        let lo = thresholds.minimum, hi = thresholds.maximum
        let step = t > 1 ? thresholds.values[1] - thresholds.values[0] : 1

        try thresholds.values.withUnsafeBufferPointer { th in
            try components.labels.withUnsafeBufferPointer { labels in
                try regionByLevel.withUnsafeMutableBufferPointer { regionCounts in
                    try normalHere.withUnsafeMutableBufferPointer { normalCounts in
                        for i in 0..<map.count {
                            let f = map[i]
                            if f.isNaN { throw MetricsError.notANumber(image: image, position: i) }
                            let v = Double(f)
                            if v < lo || v > hi {
                                throw MetricsError.outsideFirstPassRange(image: image, value: f, minimum: lo, maximum: hi)
                            }
                            // k = #{thresholds < v}: a guess from the step, corrected against the grid itself.
                            var k = t > 1 ? Int(Swift.min(Double(t), ((v - lo) / step).rounded(.down) + 1)) : t
                            while k > 0 && !(th[k - 1] < v) { k -= 1 }
                            while k < t && th[k] < v { k += 1 }
                            let region = Int(labels[i])
                            if region == 0 {
                                normalCounts[k] += 1
                                normalPixels += 1
                            } else {
                                regionCounts[(region - 1) * levels + k] += 1
                            }
                        }
                    }
                }
            }
        }

        // Pixels of level k are predicted at thresholds 0..<k, so counts at tᵢ are suffix sums from i + 1.
        for r in 0..<components.count {
            let size = Double(components.sizes[r])
            var predicted = 0
            for i in stride(from: t - 1, through: 0, by: -1) {
                predicted += regionByLevel[r * levels + i + 1]
                overlapSums[i] += Double(predicted) / size
            }
        }
        for k in 0..<levels { normalByLevel[k] += normalHere[k] }
        regionCount += components.count
        normalPixelCount += normalPixels
        imageCount += 1
    }

    /// Array convenience for `add(map:mask:height:width:)`.
    public mutating func add(map: [Float], mask: [UInt8], height: Int, width: Int) throws {
        try map.withUnsafeBufferPointer { m in
            try mask.withUnsafeBufferPointer { try add(map: m, mask: $0, height: height, width: width) }
        }
    }

    /// The PRO curve of everything added. Throws when the first pass saw a different number of images.
    public func curve() throws -> PROCurve {
        if let expected = thresholds.firstPassImageCount, expected != imageCount {
            throw MetricsError.passImageCountMismatch(firstPass: expected, secondPass: imageCount)
        }
        let t = thresholds.values.count
        var fpr: [Double] = []
        if normalPixelCount > 0 {
            fpr = [Double](repeating: 0, count: t)
            var falsePositives: UInt64 = 0
            for i in stride(from: t - 1, through: 0, by: -1) {
                falsePositives += normalByLevel[i + 1]
                fpr[i] = Double(falsePositives) / Double(normalPixelCount)
            }
        }
        let pro = regionCount > 0 ? overlapSums.map { $0 / Double(regionCount) } : []
        return PROCurve(thresholds: thresholds.values, pro: pro, fpr: fpr, regionCount: regionCount, normalPixelCount: normalPixelCount)
    }
}
