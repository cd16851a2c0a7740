/// How a volume becomes model-sized slices.
public struct PrepareStage: Sendable, Equatable {
    public var axis: SliceAxisName
    public var window: WindowChoice
    /// Square input size in pixels; 0 means the model's own image size.
    public var size: Int
    /// Skip slices with (almost) no foreground after windowing.
    public var skipEmpty: Bool

    public init(axis: SliceAxisName = .axial, window: WindowChoice = .automatic, size: Int = 0, skipEmpty: Bool = true) {
        self.axis = axis
        self.window = window
        self.size = size
        self.skipEmpty = skipEmpty
    }
}

/// Anatomical plane slices are cut in.
public enum SliceAxisName: String, Sendable, Equatable, CaseIterable {
    case axial, coronal, sagittal
}

/// Intensity window applied before the model sees a slice.
public enum WindowChoice: Sendable, Equatable {
    /// A CT preset for CT, the 0.5–99.5 percentiles otherwise.
    case automatic
    /// The file's own WindowCenter/Width.
    case header
    /// A named CT preset (Hounsfield units).
    case preset(String)
    /// Percentiles of the volume's values.
    case percentiles(lower: Double, upper: Double)
    /// A fixed centre and width.
    case explicit(center: Double, width: Double)

    /// CT presets and their (lower, upper) Hounsfield ranges.
    public static let presets: [String: (Double, Double)] = [
        "brain": (0, 80), "liver": (-200, 250), "abdomen": (-160, 240), "lung": (-1350, 150), "bone": (-450, 1050),
    ]

    public static func == (lhs: WindowChoice, rhs: WindowChoice) -> Bool {
        switch (lhs, rhs) {
        case (.automatic, .automatic), (.header, .header): return true
        case let (.preset(a), .preset(b)): return a == b
        case let (.percentiles(a, b), .percentiles(c, d)): return a == c && b == d
        case let (.explicit(a, b), .explicit(c, d)): return a == c && b == d
        default: return false
        }
    }
}
