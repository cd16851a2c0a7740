extension FloatImage {
    /// The image resized to `width`×`height` as Pillow resizes mode "F" images: the same passes
    /// and weights as the 8-bit path, accumulated in double precision without rounding, stored
    /// as float32 after each pass.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic) throws -> FloatImage {
        guard outWidth > 0, outHeight > 0 else {
            throw RasterError.invalidSize(reason: "cannot resize to \(outWidth)×\(outHeight)")
        }
        if outWidth == width && outHeight == height { return self }
        if filter == .nearest {
            let xs = ByteImage.nearestIndices(inSize: width, outSize: outWidth)
            let ys = ByteImage.nearestIndices(inSize: height, outSize: outHeight)
            var out = [Float](repeating: 0, count: outWidth * outHeight)
            for (yy, y) in ys.enumerated() where y >= 0 {
                for (xx, x) in xs.enumerated() where x >= 0 { out[yy * outWidth + xx] = values[y * width + x] }
            }
            return FloatImage(uncheckedWidth: outWidth, height: outHeight, values: out)
        }
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

    private func horizontalPass(rows: Range<Int>, width outWidth: Int, coefficients: ResampleCoefficients) -> FloatImage {
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

    private func verticalPass(height outHeight: Int, coefficients: ResampleCoefficients) -> FloatImage {
        let kernelSize = coefficients.kernelSize
        var out = [Float](repeating: 0, count: outHeight * width)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                coefficients.weights.withUnsafeBufferPointer { k in
                    for yy in 0..<outHeight {
                        let lo = coefficients.first[yy]
                        for x in 0..<width {
                            var sum = 0.0
                            for j in 0..<coefficients.count[yy] {
                                sum += Double(src[(lo + j) * width + x]) * k[yy * kernelSize + j]
                            }
                            dst[yy * width + x] = Float(sum)
                        }
                    }
                }
            }
        }
        return FloatImage(uncheckedWidth: width, height: outHeight, values: out)
    }
}
