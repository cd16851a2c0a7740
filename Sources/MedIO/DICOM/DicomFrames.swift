import CDcmBridge

/// Decoded frames of one DICOM object, float32 in physical units.
///
/// Each frame's own rescale (per-frame functional groups, shared groups, or top level) is
/// applied. MONOCHROME1 images are inverted within their stored range before rescaling
/// (s' = smin + smax − s) so that larger values are brighter, as in MONOCHROME2; `inverted`
/// records it.
public struct DicomFrames: Sendable {
    public var path: String
    public var rows: Int
    public var columns: Int
    /// Index of the first decoded frame in the object.
    public var firstFrame: Int
    public var frameCount: Int
    /// `frameCount × rows × columns` values, x fastest within a frame.
    public var values: [Float]
    public var inverted: Bool
    public var rescaled: Bool
    /// The JPEG 2000 codestream's signedness disagreed with PixelRepresentation; the stored
    /// bits were reinterpreted per PixelRepresentation.
    public var j2kSignMismatch: Bool
    public var minValue: Float
    public var maxValue: Float

    /// Decodes frames `first ..< first + count` (all remaining frames when `count` is nil).
    /// Refuses objects whose declared size exceeds `limits` before allocating.
    public static func read(path: String, first: Int = 0, count: Int? = nil, limits: DicomReadLimits = .init()) throws -> DicomFrames {
        let header = try DicomHeader.read(path: path)
        return try read(header: header, first: first, count: count, limits: limits)
    }

    /// Same as `read(path:…)` when the header is already known.
    public static func read(header: DicomHeader, first: Int = 0, count: Int? = nil, limits: DicomReadLimits = .init()) throws -> DicomFrames {
        let path = header.path
        guard header.hasPixelData else { throw MedIOError.invalid(path: path, reason: "no pixel data") }
        try limits.check(header)
        let n = count ?? (header.frames - first)
        guard first >= 0, n >= 1, first + n <= header.frames else {
            throw MedIOError.invalid(path: path, reason: "frames \(first)..<\(first + n) requested, the object has \(header.frames)")
        }
        let capacity = header.rows * header.columns * n
        var values = [Float](repeating: 0, count: capacity)
        var info = dcmbridge_pixel_info()
        try values.withUnsafeMutableBufferPointer { buf in
            try DcmBridge.call(path) { msg, size in
                dcmbridge_read_frames_f32(path, Int32(first), Int32(n), buf.baseAddress, capacity, &info, msg, size)
            }
        }
        return DicomFrames(path: path, rows: header.rows, columns: header.columns, firstFrame: first, frameCount: n,
                           values: values, inverted: info.inverted != 0, rescaled: info.rescaled != 0,
                           j2kSignMismatch: info.j2k_sign_mismatch != 0, minValue: info.min_value, maxValue: info.max_value)
    }
}
