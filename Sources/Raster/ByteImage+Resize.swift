extension ByteImage {
    /// The image resized to `width`×`height` exactly as Pillow's `Image.resize(size, filter)` does.
    ///
    /// Bilinear and bicubic run Pillow's two separable passes (horizontal, then vertical; a pass
    /// is skipped when its axis keeps its size), with the kernel widened by the scale factor when
    /// shrinking (antialiasing), weights in 22-bit fixed point, and rounding and clamping to 8 bits
    /// after each pass. RGBA is resampled premultiplied by alpha and unpremultiplied afterwards, as
    /// Pillow does (identity for opaque images). Nearest picks source pixels the way Pillow's
    /// affine scaling does.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic) throws -> ByteImage {
        guard outWidth > 0, outHeight > 0 else {
            throw RasterError.invalidSize(reason: "cannot resize to \(outWidth)×\(outHeight)")
        }
        if outWidth == width && outHeight == height { return self }
        if filter == .nearest { return nearestScaled(width: outWidth, height: outHeight) }
        if mode == .rgba {
            return premultiplied().convolved(width: outWidth, height: outHeight, filter: filter).unpremultiplied()
        }
        return convolved(width: outWidth, height: outHeight, filter: filter)
    }

    /// Pillow's `ImagingResampleInner` for the whole image: horizontal pass over the rows the
    /// vertical pass will read, then the vertical pass.
    private func convolved(width outWidth: Int, height outHeight: Int, filter: ResampleFilter) -> ByteImage {
        let horizontal = ResampleCoefficients(inSize: width, in0: 0, in1: Double(width), outSize: outWidth, filter: filter)
        var vertical = ResampleCoefficients(inSize: height, in0: 0, in1: Double(height), outSize: outHeight, filter: filter)
        var current = self
        if outWidth != width {
            let firstRow = vertical.first[0]
            let endRow = vertical.first[outHeight - 1] + vertical.count[outHeight - 1]
            for i in 0..<outHeight { vertical.first[i] -= firstRow }
            current = horizontalPass(rows: firstRow..<endRow, width: outWidth, coefficients: horizontal)
        }
        if outHeight != height {
            current = current.verticalPass(height: outHeight, coefficients: vertical)
        }
        return current
    }

    /// Rounds a fixed-point sum to 8 bits, clamping to 0…255 (Pillow's `clip8`).
    @inline(__always)
    private static func clip8(_ sum: Int) -> UInt8 {
        let v = sum >> ResampleCoefficients.precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    private func horizontalPass(rows: Range<Int>, width outWidth: Int, coefficients: ResampleCoefficients) -> ByteImage {
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

    private func verticalPass(height outHeight: Int, coefficients: ResampleCoefficients) -> ByteImage {
        let rowLength = width * channels
        let kernelSize = coefficients.kernelSize
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        let weights = coefficients.fixedPoint()
        var out = [UInt8](repeating: 0, count: outHeight * rowLength)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                weights.withUnsafeBufferPointer { k in
                    for yy in 0..<outHeight {
                        let lo = coefficients.first[yy]
                        let n = coefficients.count[yy]
                        let kBase = yy * kernelSize
                        for i in 0..<rowLength {
                            var sum = half
                            var at = lo * rowLength + i
                            for j in 0..<n {
                                sum += Int(src[at]) * Int(k[kBase + j])
                                at += rowLength
                            }
                            dst[yy * rowLength + i] = ByteImage.clip8(sum)
                        }
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: width, height: outHeight, mode: mode, pixels: out)
    }

    /// Pillow's `ImagingScaleAffine`: source coordinates stepped by accumulation in double
    /// precision from the centre of the first output pixel, truncated to integers.
    private func nearestScaled(width outWidth: Int, height outHeight: Int) -> ByteImage {
        let xs = ByteImage.nearestIndices(inSize: width, outSize: outWidth)
        let ys = ByteImage.nearestIndices(inSize: height, outSize: outHeight)
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

    /// Source index per output index for nearest scaling; −1 where Pillow would leave the pixel
    /// empty (out of range, which a full-image resize never produces).
    static func nearestIndices(inSize: Int, outSize: Int) -> [Int] {
        let step = Double(inSize) / Double(outSize)
        var position = step * 0.5
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
