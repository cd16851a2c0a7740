/// The exact per-region AUPRO integral (anomalib-style), distinct from the 200-threshold
/// MedVMAD/AnomalyCLIP number of `PROCurve.aupro`.
///
/// Every distinct map value is a threshold, so the curve is exact: each 8-connected region R has its
/// ROC curve (its pixels as positives, every normal pixel of the set as negatives); the mean of
/// these curves over all regions is integrated from FPR 0 to `fprLimit`, the last segment cut
/// by linear interpolation at the limit, and the area is divided by `fprLimit` so that a perfect
/// detector scores 1. All regions share the FPR axis, so the mean curve is one ROC curve whose
/// abnormal pixels weigh 1/|R| each (divided by the region count).
///
/// anomalib resamples each region's curve on a fixed grid before averaging and divides by the last
/// FPR it kept; this computes the integral those steps approximate. In memory: O(n log n) time and
/// O(n) memory for n pixels, meant for checks and small sets.
public enum ExactPRO {
    /// Exact AUPRO of `imageCount` maps and masks of height × width, stored flat and row-major.
    public static func aupro(
        maps: [Float], masks: [UInt8], imageCount: Int, height: Int, width: Int, fprLimit: Double = 0.3
    ) throws -> MetricResult {
        guard fprLimit > 0, fprLimit <= 1 else { throw MetricsError.invalidFPRLimit(fprLimit) }
        try PixelMetrics.checkFlat(maps: maps, masks: masks, imageCount: imageCount, height: height, width: width)
        let plane = height * width
        // weight 0 marks a normal pixel; an abnormal pixel of region R weighs 1 / |R|.
        var samples: [(score: Float, weight: Double)] = []
        samples.reserveCapacity(maps.count)
        var regions = 0
        var normals = 0
        try maps.withUnsafeBufferPointer { allMaps in
            try masks.withUnsafeBufferPointer { allMasks in
                for image in 0..<imageCount {
                    let map = UnsafeBufferPointer(rebasing: allMaps[image * plane..<(image + 1) * plane])
                    let mask = UnsafeBufferPointer(rebasing: allMasks[image * plane..<(image + 1) * plane])
                    try PixelInput.validate(image: image, map: map, mask: mask, height: height, width: width)
                    if let bad = map.firstIndex(where: \.isNaN) { throw MetricsError.notANumber(image: image, position: bad) }
                    let components = ConnectedComponents(mask: mask, height: height, width: width)
                    for i in 0..<plane {
                        let r = Int(components.labels[i])
                        if r == 0 { normals += 1 }
                        samples.append((map[i], r == 0 ? 0 : 1 / Double(components.sizes[r - 1])))
                    }
                    regions += components.count
                }
            }
        }
        if imageCount == 0 { return .undefined(.noSamples(.pixels)) }
        if regions == 0 { return .undefined(.noAnomalousRegions) }
        if normals == 0 { return .undefined(.noNormal(.pixels)) }

        samples.sort { $0.score > $1.score }
        var area = 0.0
        var x0 = 0.0, y0 = 0.0
        var falsePositives = 0, weight = 0.0
        var k = 0
        while k < samples.count {
            let s = samples[k].score
            while k < samples.count && samples[k].score == s {
                if samples[k].weight == 0 { falsePositives += 1 } else { weight += samples[k].weight }
                k += 1
            }
            let x1 = Double(falsePositives) / Double(normals), y1 = weight / Double(regions)
            if x1 >= fprLimit {
                // The segment crossing the limit: interpolate PRO at exactly fprLimit and stop.
                let yLimit = x1 > x0 ? y0 + (y1 - y0) * (fprLimit - x0) / (x1 - x0) : y1
                area += (fprLimit - x0) * (y0 + yLimit) / 2
                return .value(area / fprLimit)
            }
            area += (x1 - x0) * (y0 + y1) / 2
            x0 = x1
            y0 = y1
        }
        // Unreachable: the last point has FPR 1 ≥ fprLimit.
        return .value(area / fprLimit)
    }
}
