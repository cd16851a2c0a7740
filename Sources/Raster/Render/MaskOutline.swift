/// The 1-pixel contour of a binary mask, and drawing it over an image.
///
/// A pixel is on the contour when it is inside the mask (value > threshold) and at least one of
/// its four edge neighbours is outside the mask or outside the image. This inner boundary is an
/// 8-connected ring one pixel thick around each filled region, and it never covers pixels
/// outside the mask.
public enum MaskOutline {
    /// 1 on the contour, 0 elsewhere; same size as `mask`.
    public static func contour(of mask: FloatImage, threshold: Float = 0.5) -> FloatImage {
        let w = mask.width, h = mask.height
        var out = [Float](repeating: 0, count: w * h)
        mask.values.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in
                @inline(__always) func inside(_ x: Int, _ y: Int) -> Bool {
                    x >= 0 && y >= 0 && x < w && y < h && m[y * w + x] > threshold
                }
                for y in 0..<h {
                    for x in 0..<w where m[y * w + x] > threshold {
                        if !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1) {
                            o[y * w + x] = 1
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedWidth: w, height: h, values: out)
    }

    /// Paints the contour of `mask` onto `image` in `color`; throws `invalidSize` when the sizes
    /// differ.
    public static func draw(_ mask: FloatImage, on image: inout ByteImage, color: RGBColor = .green,
                            threshold: Float = 0.5) throws {
        guard mask.width == image.width, mask.height == image.height else {
            throw RasterError.invalidSize(reason: "mask \(mask.width)×\(mask.height) does not match image \(image.width)×\(image.height)")
        }
        let ring = contour(of: mask, threshold: threshold)
        for y in 0..<mask.height {
            for x in 0..<mask.width where ring.values[y * mask.width + x] > 0 {
                image.setPixel(x: x, y: y, color: color)
            }
        }
    }
}
