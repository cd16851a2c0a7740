extension FloatImage {
    /// The image resized to `width`×`height` as Pillow resizes mode "F" images: the same passes
    /// and weights as the 8-bit path, accumulated in double precision without rounding, stored
    /// as float32 after each pass.
    ///
    /// `box` selects the source region (Pillow's `box` argument); nil means the whole image.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic,
                        box: ResampleBox? = nil) throws -> FloatImage {
        guard outWidth > 0, outHeight > 0 else {
            throw RasterError.invalidSize(reason: "cannot resize to \(outWidth)×\(outHeight)")
        }
        let whole = ResampleBox.whole(width: width, height: height)
        let box = box ?? whole
        try box.validate(width: width, height: height)
        if outWidth == width && outHeight == height && box == whole { return self }
        if filter == .nearest {
            let xs = ByteImage.nearestIndices(inSize: width, in0: box.x0, in1: box.x1, outSize: outWidth)
            let ys = ByteImage.nearestIndices(inSize: height, in0: box.y0, in1: box.y1, outSize: outHeight)
            var out = [Float](repeating: 0, count: outWidth * outHeight)
            for (yy, y) in ys.enumerated() where y >= 0 {
                for (xx, x) in xs.enumerated() where x >= 0 { out[yy * outWidth + xx] = values[y * width + x] }
            }
            return FloatImage(uncheckedWidth: outWidth, height: outHeight, values: out)
        }
        return convolved(width: outWidth, height: outHeight, filter: filter, box: box)
    }

    func horizontalPass(rows: Range<Int>, width outWidth: Int, coefficients: ResampleCoefficients) -> FloatImage {
        let kernelSize = coefficients.kernelSize
        var out = [Float](repeating: 0, count: rows.count * outWidth)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                coefficients.weights.withUnsafeBufferPointer { k in
                    for (outRow, inRow) in rows.enumerated() {
                        for xx in 0..<outWidth {
                            let lo = coefficients.first[xx]
                            var sum = 0.0
                            for j in 0..<coefficients.count[xx] {
                                sum += Double(src[inRow * width + lo + j]) * k[xx * kernelSize + j]
                            }
                            dst[outRow * outWidth + xx] = Float(sum)
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedWidth: outWidth, height: rows.count, values: out)
    }

    /// The vertical pass over input columns `columns`.
    func verticalPass(height outHeight: Int, columns: Range<Int>, coefficients: ResampleCoefficients) -> FloatImage {
        let kernelSize = coefficients.kernelSize
        let outWidth = columns.count
        var out = [Float](repeating: 0, count: outHeight * outWidth)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                coefficients.weights.withUnsafeBufferPointer { k in
                    for yy in 0..<outHeight {
                        let lo = coefficients.first[yy]
                        for x in 0..<outWidth {
                            var sum = 0.0
                            for j in 0..<coefficients.count[yy] {
                                sum += Double(src[(lo + j) * width + columns.lowerBound + x]) * k[yy * kernelSize + j]
                            }
                            dst[yy * outWidth + x] = Float(sum)
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedWidth: outWidth, height: outHeight, values: out)
    }
}
