/// What `BMADSynthesizer` makes.
public struct BMADSynthesisOptions: Sendable, Equatable {
    /// How images are stored.
    public enum ColorMode: String, Sendable, CaseIterable, Codable {
        /// 8-bit single-channel PNG.
        case grey
        /// 8-bit RGB PNG through the bone colour map, like BMAD's BraTS images.
        case bone
    }

    /// Master seed: every image derives its own random stream from it.
    public var seed: UInt64
    /// Images per split (normal + abnormal).
    public var train: Int
    public var valid: Int
    public var test: Int
    /// Fraction of each split's images that carry lesions.
    public var abnormalFraction: Double
    /// Lesion radius range in pixels at a 240-pixel image (scaled with `slices.size`).
    public var radiusRange: ClosedRange<Double>
    /// Lesion contrast range (see `SyntheticLesion.contrast`).
    public var contrastRange: ClosedRange<Double>
    /// Probability that an abnormal image gets a second lesion.
    public var secondLesionProbability: Double
    /// Grey or bone-coloured RGB images (masks are always grey).
    public var colorMode: ColorMode
    /// Consecutive usable slices per band; whole bands go to one split.
    public var bandSize: Int

    /// Defaults make the committed 48/24/24 set.
    public init(seed: UInt64 = 7, train: Int = 48, valid: Int = 24, test: Int = 24, abnormalFraction: Double = 0.5,
                radiusRange: ClosedRange<Double> = 3...25, contrastRange: ClosedRange<Double> = 0.15...0.9,
                secondLesionProbability: Double = 0.2, colorMode: ColorMode = .grey, bandSize: Int = 8) {
        self.seed = seed
        self.train = train
        self.valid = valid
        self.test = test
        self.abnormalFraction = abnormalFraction
        self.radiusRange = radiusRange
        self.contrastRange = contrastRange
        self.secondLesionProbability = secondLesionProbability
        self.colorMode = colorMode
        self.bandSize = bandSize
    }

    func validate() throws {
        for (name, n) in [("train", train), ("valid", valid), ("test", test)] where n < 0 {
            throw SynthesisError.invalidParameter(name: name, reason: "negative count \(n)")
        }
        guard train + valid + test > 0 else { throw SynthesisError.invalidParameter(name: "counts", reason: "all zero") }
        guard (0...1).contains(abnormalFraction) else {
            throw SynthesisError.invalidParameter(name: "abnormalFraction", reason: "\(abnormalFraction) outside 0…1")
        }
        guard radiusRange.lowerBound >= 1 else {
            throw SynthesisError.invalidParameter(name: "radiusRange", reason: "lower bound below 1 pixel")
        }
        guard contrastRange.lowerBound > 0, contrastRange.upperBound <= 1 else {
            throw SynthesisError.invalidParameter(name: "contrastRange", reason: "must lie in (0, 1]")
        }
        guard bandSize >= 3 else { throw SynthesisError.invalidParameter(name: "bandSize", reason: "\(bandSize) < 3") }
    }
}
