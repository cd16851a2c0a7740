import CDcmBridge

/// Geometry and value transformation of one frame, merged from the enhanced multi-frame
/// functional groups (per-frame over shared) and, where those are silent, the top-level attributes.
public struct DicomFrameGeometry: Sendable, Equatable {
    public var position: [Double]?
    public var orientation: [Double]?
    /// [row spacing, column spacing] in mm.
    public var pixelSpacing: [Double]?
    public var sliceThickness: Double?
    public var rescaleSlope: Double?
    public var rescaleIntercept: Double?
    public var window: Window?
    /// FrameContentSequence: StackID ("" when absent), InStackPositionNumber, TemporalPositionIndex (0 when absent).
    public var stackID: String
    public var inStackPosition: Int
    public var temporalPosition: Int

    /// Reads the geometry of every frame of `path` (`frames` = NumberOfFrames).
    public static func readAll(path: String, frames: Int) throws -> [DicomFrameGeometry] {
        guard frames > 0 else { return [] }
        var raw = [dcmbridge_frame_geometry](repeating: dcmbridge_frame_geometry(), count: frames)
        try raw.withUnsafeMutableBufferPointer { buf in
            try DcmBridge.call(path) { msg, size in
                dcmbridge_read_frame_geometry(path, buf.baseAddress, Int32(frames), msg, size)
            }
        }
        return raw.map(DicomFrameGeometry.init(bridge:))
    }

    init(bridge g: dcmbridge_frame_geometry) {
        position = g.has_position != 0 ? DcmBridge.doubles(g.position) : nil
        orientation = g.has_orientation != 0 ? DcmBridge.doubles(g.orientation) : nil
        pixelSpacing = g.has_pixel_spacing != 0 ? DcmBridge.doubles(g.pixel_spacing) : nil
        sliceThickness = g.has_slice_thickness != 0 ? g.slice_thickness : nil
        rescaleSlope = g.has_rescale != 0 ? g.rescale_slope : nil
        rescaleIntercept = g.has_rescale != 0 ? g.rescale_intercept : nil
        window = g.has_window != 0 ? Window(center: g.window_center, width: g.window_width) : nil
        stackID = DcmBridge.string(g.stack_id)
        inStackPosition = Int(g.in_stack_position)
        temporalPosition = Int(g.temporal_position)
    }
}
