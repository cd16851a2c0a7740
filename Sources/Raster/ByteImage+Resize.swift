extension ByteImage {
    /// The image resized to `width`×`height` exactly as Pillow's `Image.resize(size, filter)` does.
    ///
    /// Bilinear and bicubic run Pillow's two separable passes (horizontal then vertical, or
    /// vertical first when the height shrinks much more than the width, as Pillow chooses; a pass
    /// is skipped when its axis keeps its size and span), with the kernel widened by the scale factor when
    /// shrinking (antialiasing), weights in 22-bit fixed point, and rounding and clamping to 8 bits
    /// after each pass. RGBA is resampled premultiplied by alpha and unpremultiplied afterwards, as
    /// Pillow does (identity for opaque images). Nearest picks source pixels the way Pillow's
    /// affine scaling does.
    ///
    /// `box` selects the source region (Pillow's `box` argument); nil means the whole image.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic,
                        box: ResampleBox? = nil) throws -> ByteImage {
        guard outWidth > 0, outHeight > 0 else {
            throw RasterError.invalidSize(reason: "cannot resize to \(outWidth)×\(outHeight)")
        }
        let whole = ResampleBox.whole(width: width, height: height)
        let box = box ?? whole
        try box.validate(width: width, height: height)
        if outWidth == width && outHeight == height && box == whole { return self }
        if filter == .nearest { return nearestScaled(width: outWidth, height: outHeight, box: box) }
        if mode == .rgba {
            return premultiplied().convolved(width: outWidth, height: outHeight, filter: filter, box: box).unpremultiplied()
        }
        return convolved(width: outWidth, height: outHeight, filter: filter, box: box)
    }

    /// Rounds a fixed-point sum to 8 bits, clamping to 0…255 (Pillow's `clip8`).
    @inline(__always)
    private static func clip8(_ sum: Int) -> UInt8 {
        let v = sum >> ResampleCoefficients.precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    func horizontalPass(rows: Range<Int>, width outWidth: Int, coefficients: ResampleCoefficients) -> ByteImage {
        let c = channels
        let inRowLength = width * c
        let outRowLength = outWidth * c
        let kernelSize = coefficients.kernelSize
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        let weights = coefficients.fixedPoint()
        var out = [UInt8](repeating: 0, count: rows.count * outRowLength)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                weights.withUnsafeBufferPointer { k in
                    coefficients.first.withUnsafeBufferPointer { first in
                        coefficients.count.withUnsafeBufferPointer { count in
                            for (outRow, inRow) in rows.enumerated() {
                                let inBase = inRow * inRowLength
                                let outBase = outRow * outRowLength
                                for xx in 0..<outWidth {
                                    let lo = first[xx]
                                    let n = count[xx]
                                    let kBase = xx * kernelSize
                                    for ch in 0..<c {
                                        var sum = half
                                        var at = inBase + lo * c + ch
                                        for j in 0..<n {
                                            sum += Int(src[at]) * Int(k[kBase + j])
                                            at += c
                                        }
                                        dst[outBase + xx * c + ch] = ByteImage.clip8(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: outWidth, height: rows.count, mode: mode, pixels: out)
    }

    /// The vertical pass over input columns `columns` (all of them, or those the horizontal
    /// pass will read when it runs second).
    func verticalPass(height outHeight: Int, columns: Range<Int>, coefficients: ResampleCoefficients) -> ByteImage {
        let c = channels
        let inRowLength = width * c
        let outRowLength = columns.count * c
        let columnOffset = columns.lowerBound * c
        let kernelSize = coefficients.kernelSize
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        let weights = coefficients.fixedPoint()
        var out = [UInt8](repeating: 0, count: outHeight * outRowLength)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                weights.withUnsafeBufferPointer { k in
                    for yy in 0..<outHeight {
                        let lo = coefficients.first[yy]
                        let n = coefficients.count[yy]
                        let kBase = yy * kernelSize
                        for i in 0..<outRowLength {
                            var sum = half
                            var at = lo * inRowLength + columnOffset + i
                            for j in 0..<n {
                                sum += Int(src[at]) * Int(k[kBase + j])
                                at += inRowLength
                            }
                            dst[yy * outRowLength + i] = ByteImage.clip8(sum)
                        }
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: columns.count, height: outHeight, mode: mode, pixels: out)
    }

    /// Pillow's `ImagingScaleAffine`: source coordinates stepped by accumulation in double
    /// precision from the centre of the first output pixel, truncated to integers.
    private func nearestScaled(width outWidth: Int, height outHeight: Int, box: ResampleBox) -> ByteImage {
        let xs = ByteImage.nearestIndices(inSize: width, in0: box.x0, in1: box.x1, outSize: outWidth)
        let ys = ByteImage.nearestIndices(inSize: height, in0: box.y0, in1: box.y1, outSize: outHeight)
        let c = channels
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * c)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (yy, y) in ys.enumerated() where y >= 0 {
                    for (xx, x) in xs.enumerated() where x >= 0 {
                        for ch in 0..<c { dst[(yy * outWidth + xx) * c + ch] = src[(y * width + x) * c + ch] }
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: outWidth, height: outHeight, mode: mode, pixels: out)
    }

    /// Source index per output index for nearest scaling over the span `[in0, in1)`; −1 where
    /// Pillow would leave the pixel empty (out of range, which a valid box never produces).
    static func nearestIndices(inSize: Int, in0: Float, in1: Float, outSize: Int) -> [Int] {
        let step = Double(in1 - in0) / Double(outSize)
        var position = Double(in0) + step * 0.5
        var out = [Int](repeating: -1, count: outSize)
        for i in 0..<outSize {
            let index = position < 0 ? -1 : Int(position)
            if index < inSize { out[i] = index }
            position += step
        }
        return out
    }

    /// RGBA → premultiplied RGBa with Pillow's rounding `(v·a + 128 + ((v·a + 128) >> 8)) >> 8`.
    private func premultiplied() -> ByteImage {
        var out = pixels
        out.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 4) {
                let alpha = Int(p[i + 3])
                for ch in 0..<3 {
                    let t = Int(p[i + ch]) * alpha + 128
                    p[i + ch] = UInt8(truncatingIfNeeded: ((t >> 8) + t) >> 8)
                }
            }
        }
        return ByteImage(uncheckedWidth: width, height: height, mode: mode, pixels: out)
    }

    /// Premultiplied RGBa → RGBA with Pillow's truncating division, clamped to 255.
    private func unpremultiplied() -> ByteImage {
        var out = pixels
        out.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 4) {
                let alpha = Int(p[i + 3])
                if alpha == 0 || alpha == 255 { continue }
                for ch in 0..<3 { p[i + ch] = UInt8(min(255 * Int(p[i + ch]) / alpha, 255)) }
            }
        }
        return ByteImage(uncheckedWidth: width, height: height, mode: mode, pixels: out)
    }
}
