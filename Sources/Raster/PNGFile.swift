import CPNGBridge
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes PNG files through libpng (classic API, behind the CPNGBridge C shim).
///
/// Reading yields the 8-bit image PIL yields for `Image.open(path)` followed by a conversion to
/// L, RGB or RGBA:
/// - grey (any bit depth ≤ 8) → `.gray`, low bit depths scaled to 0…255 as PIL unpacks them;
/// - palette → `.rgb`, or `.rgba` when the file has a tRNS chunk;
/// - grey + alpha, or grey/RGB with a tRNS chunk → `.rgba` (grey replicated, so converting back
///   to grey is exact);
/// - 16-bit RGB, RGBA and grey + alpha keep the high byte of each sample (PIL's `RGB;16B`,
///   `RGBA;16B`, `LA;16B` raw modes); 16-bit grey alone is clamped to 255 (PIL opens it as
///   "I;16" and `convert("L")` clamps, it does not rescale — use `readGray16` for the samples).
/// Gamma, colour-profile and background chunks are ignored, as PIL ignores them.
public enum PNGFile {
    /// The most pixels a file may declare before it is refused unread: 2^28 (16 384 × 16 384),
    /// far beyond any slice or figure (the bridge also refuses a decoded buffer over 2 GiB).
    public static let defaultMaxPixels = 1 << 28

    /// Decodes the PNG at `path`, refusing images over `defaultMaxPixels`.
    public static func read(_ path: String) throws -> ByteImage {
        try read(path, maxPixels: defaultMaxPixels)
    }

    /// Decodes the PNG at `path`; a header declaring more than `maxPixels` pixels is refused
    /// with `tooLarge` before any pixel memory is allocated.
    public static func read(_ path: String, maxPixels: Int) throws -> ByteImage {
        var raw = pngbridge_image()
        let status = pngbridge_read(path, max(0, maxPixels), &raw)
        defer { pngbridge_free(&raw) }
        try check(status, path: path, message: message(of: &raw), sysErrno: raw.sys_errno, writing: false)
        let width = Int(raw.width)
        let height = Int(raw.height)
        let n = width * height
        let inC = Int(raw.channels)
        let bytesPerSample = Int(raw.bit_depth) / 8
        let grayFile = raw.color_type == 0  // 16-bit grey + alpha keeps the high byte, like RGB
        let mode: ByteImage.Mode = inC == 1 ? .gray : (inC == 3 ? .rgb : .rgba)
        let outC = mode.channels
        var out = [UInt8](repeating: 0, count: n * outC)
        guard let src = raw.pixels else { throw RasterError.corrupt(path: path, reason: "no pixel data") }
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                for c in 0..<inC {
                    let at = (i * inC + c) * bytesPerSample
                    let v: UInt8
                    if bytesPerSample == 1 {
                        v = src[at]
                    } else if grayFile && c == 0 {
                        v = src[at] != 0 ? 255 : src[at + 1]  // I;16 → L clamps at 255
                    } else {
                        v = src[at]  // high byte
                    }
                    if inC == 2 {  // grey + alpha → RGBA
                        if c == 0 {
                            dst[i * 4] = v
                            dst[i * 4 + 1] = v
                            dst[i * 4 + 2] = v
                        } else {
                            dst[i * 4 + 3] = v
                        }
                    } else {
                        dst[i * outC + c] = v
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: width, height: height, mode: mode, pixels: out)
    }

    /// Reads a 16-bit greyscale PNG as its raw samples (no clamping); 8-bit grey files are
    /// widened. Throws `invalidPixels` naming the file for other colour types.
    public static func readGray16(_ path: String) throws -> (width: Int, height: Int, samples: [UInt16]) {
        try readGray16(path, maxPixels: defaultMaxPixels)
    }

    /// `readGray16(_:)` with a pixel limit other than `defaultMaxPixels`.
    public static func readGray16(_ path: String, maxPixels: Int) throws -> (width: Int, height: Int, samples: [UInt16]) {
        var raw = pngbridge_image()
        let status = pngbridge_read(path, max(0, maxPixels), &raw)
        defer { pngbridge_free(&raw) }
        try check(status, path: path, message: message(of: &raw), sysErrno: raw.sys_errno, writing: false)
        guard raw.channels == 1, let src = raw.pixels else {
            throw RasterError.corrupt(path: path, reason: "expected a greyscale PNG, found \(raw.channels) channels")
        }
        let n = Int(raw.width) * Int(raw.height)
        var out = [UInt16](repeating: 0, count: n)
        if raw.bit_depth == 16 {
            for i in 0..<n { out[i] = UInt16(src[2 * i]) << 8 | UInt16(src[2 * i + 1]) }
        } else {
            for i in 0..<n { out[i] = UInt16(src[i]) }
        }
        return (Int(raw.width), Int(raw.height), out)
    }

    /// Writes `image` as an 8-bit grey, RGB or RGBA PNG.
    public static func write(_ image: ByteImage, to path: String) throws {
        try write(bytes: image.pixels, width: image.width, height: image.height,
                  channels: image.channels, bitDepth: 8, path: path)
    }

    /// Writes 16-bit grey samples (`width * height`, row-major) as a 16-bit greyscale PNG.
    public static func writeGray16(_ samples: [UInt16], width: Int, height: Int, to path: String) throws {
        guard width > 0, height > 0, samples.count == width * height else {
            throw RasterError.invalidPixels(reason: "\(samples.count) samples for a \(width)×\(height) image")
        }
        var bytes = [UInt8](repeating: 0, count: samples.count * 2)
        for (i, s) in samples.enumerated() {  // PNG stores 16-bit samples big-endian
            bytes[2 * i] = UInt8(s >> 8)
            bytes[2 * i + 1] = UInt8(s & 0xFF)
        }
        try write(bytes: bytes, width: width, height: height, channels: 1, bitDepth: 16, path: path)
    }

    private static func write(bytes: [UInt8], width: Int, height: Int, channels: Int, bitDepth: Int, path: String) throws {
        var text = [CChar](repeating: 0, count: 256)
        var sysErrno: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { b in
            pngbridge_write(path, b.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(bitDepth), &text, &sysErrno)
        }
        let message = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        try check(status, path: path, message: message, sysErrno: sysErrno, writing: true)
    }

    private static func message(of raw: inout pngbridge_image) -> String {
        withUnsafeBytes(of: &raw.message) { buf in
            String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func check(_ status: Int32, path: String, message: String, sysErrno: Int32, writing: Bool) throws {
        let reason = message.isEmpty ? "libpng error" : message
        switch Int(status) {
        case Int(PNGBRIDGE_OK): return
        case Int(PNGBRIDGE_CANNOT_OPEN):
            let why = String(cString: strerror(sysErrno))
            throw writing ? RasterError.unwritable(path: path, reason: why) : RasterError.unreadable(path: path, reason: why)
        case Int(PNGBRIDGE_NOT_PNG): throw RasterError.notPNG(path: path)
        case Int(PNGBRIDGE_TOO_LARGE):
            throw RasterError.tooLarge(path: path, reason: message.isEmpty ? "decoded size over the limit" : message)
        case Int(PNGBRIDGE_NO_MEMORY):
            throw writing ? RasterError.unwritable(path: path, reason: "out of memory") : RasterError.tooLarge(path: path, reason: "out of memory")
        case Int(PNGBRIDGE_BAD_ARGUMENT): throw RasterError.invalidPixels(reason: "cannot write \(path): unsupported layout")
        default:
            throw writing ? RasterError.unwritable(path: path, reason: reason) : RasterError.corrupt(path: path, reason: reason)
        }
    }
}
