/// How voxel values become 8-bit grey: a policy, resolved per volume into an `AppliedWindow`.
///
/// Grey = floor(255 · clamp((v − lower) / (upper − lower), 0, 1) + 0.5), computed in double precision;
/// NaN voxels become 0. `lower`/`upper` of a centre/width window are centre ∓ width/2.
public enum IntensityWindow: Sendable, Equatable, Codable {
    /// Chosen from the volume's modality:
    /// CT → `.ct(.liver)`; MG (mammography and DBT) → `.header` when the file suggests a window,
    /// otherwise the MR percentiles with a warning; anything else (MR, unknown, NIfTI without a
    /// modality) → `.percentiles(lower: 0.5, upper: 99.5)`.
    case automatic
    /// Per-volume percentiles of the nonzero finite voxels (linear interpolation between order
    /// statistics, as numpy's default); the MR default is 0.5–99.5.
    case percentiles(lower: Double, upper: Double)
    /// A Hounsfield preset for CT.
    case ct(CTPreset)
    /// The window the file suggests (DICOM WindowCenter/Width, NIfTI cal_min/cal_max).
    case header
    /// A fixed window.
    case explicit(Window)

    /// The MR default: 0.5th to 99.5th percentile of nonzero voxels.
    public static let mrDefault = IntensityWindow.percentiles(lower: 0.5, upper: 99.5)
}

/// Hounsfield-unit windows for CT.
public enum CTPreset: String, Sendable, Codable, CaseIterable {
    /// −200…250 HU, the range BMAD's liver CT data were prepared with.
    case liver
    /// Brain: centre 40, width 80 (0…80 HU).
    case brain
    /// Abdomen soft tissue: centre 40, width 400 (−160…240 HU).
    case abdomen

    /// The preset's range in HU.
    public var range: (lower: Double, upper: Double) {
        switch self {
        case .liver: return (-200, 250)
        case .brain: return (0, 80)
        case .abdomen: return (-160, 240)
        }
    }
}

/// The window actually applied to a volume, recorded with the output.
public struct AppliedWindow: Sendable, Equatable, Codable {
    /// What decided the window, e.g. "percentiles 0.5–99.5 of nonzero voxels", "CT preset liver".
    public var policy: String
    /// Value mapped to grey 0.
    public var lower: Double
    /// Value mapped to grey 255.
    public var upper: Double

    public init(policy: String, lower: Double, upper: Double) {
        self.policy = policy
        self.lower = lower
        self.upper = upper
    }

    /// The same window as centre and width.
    public var window: Window { Window(center: (lower + upper) / 2, width: upper - lower) }

    /// Maps values to 8-bit grey with this window.
    public func grey(_ values: [Float]) -> [UInt8] {
        // Divide rather than multiply by a reciprocal: values exactly at mid-window must give t = 0.5 exactly.
        let lo = lower, range = upper - lower
        return [UInt8](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { src in
                for i in 0..<src.count {
                    let v = Double(src[i])
                    if v.isNaN {
                        out[i] = 0
                        continue
                    }
                    let t = min(max((v - lo) / range, 0), 1)
                    out[i] = UInt8((t * 255 + 0.5).rounded(.down))
                }
            }
            initialized = values.count
        }
    }
}
