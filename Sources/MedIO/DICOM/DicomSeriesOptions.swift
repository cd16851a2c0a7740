/// How series are turned into volumes, and which geometry problems stop it.
///
/// Every problem is either an error (the series is not loaded) or a flagged warning in the
/// plan and in `Volume.warnings`; nothing is dropped or accepted silently.
public struct DicomSeriesOptions: Sendable, Equatable {
    /// What to do about one kind of problem.
    public enum Policy: String, Sendable, Codable {
        /// Refuse the series with a `.geometry` error.
        case error
        /// Go on and record a warning.
        case warn
    }

    /// Gaps that are whole multiples of the usual spacing. With `.warn` the volume is built on
    /// the usual spacing and the slice references keep their true positions.
    public var missingSlices: Policy
    /// Gaps that differ from the usual spacing by a non-integer factor.
    public var nonUniformSpacing: Policy
    /// Several slices at one position. With `.warn` the first (lowest InstanceNumber, then path)
    /// is kept and the others are reported as dropped.
    public var duplicatePositions: Policy
    /// Slices whose Rows/Columns differ from the majority. With `.warn` the minority is dropped and reported.
    public var mixedSizes: Policy
    /// Drop slices whose ImageType says LOCALIZER, and slices whose orientation differs from the
    /// majority (localizers are not reliably labelled). Always reported.
    public var dropLocalizers: Bool
    /// Positions closer than this along the slice normal count as the same position (mm).
    public var positionTolerance: Double
    /// Relative tolerance when comparing a gap with the usual spacing.
    public var spacingTolerance: Double
    /// Direction cosines differing by more than this are a different orientation.
    public var orientationTolerance: Double
    public var limits: DicomReadLimits

    public init(missingSlices: Policy = .warn, nonUniformSpacing: Policy = .warn, duplicatePositions: Policy = .error,
                mixedSizes: Policy = .error, dropLocalizers: Bool = true, positionTolerance: Double = 0.01,
                spacingTolerance: Double = 0.05, orientationTolerance: Double = 1e-3, limits: DicomReadLimits = .init()) {
        self.missingSlices = missingSlices
        self.nonUniformSpacing = nonUniformSpacing
        self.duplicatePositions = duplicatePositions
        self.mixedSizes = mixedSizes
        self.dropLocalizers = dropLocalizers
        self.positionTolerance = positionTolerance
        self.spacingTolerance = spacingTolerance
        self.orientationTolerance = orientationTolerance
        self.limits = limits
    }
}
