/// Resizes 8-bit grey slices to the model size. The pipeline plugs in the Raster module's
/// PIL-compatible resize so inputs match the model's training preprocessing; `BilinearResizer`
/// is the self-contained default.
public protocol SliceResizer: Sendable {
    /// Resizes a row-major `width` × `height` grey image to `newWidth` × `newHeight`.
    func resize(_ grey: [UInt8], width: Int, height: Int, newWidth: Int, newHeight: Int) -> [UInt8]
}

/// Bilinear interpolation with half-pixel centres (the sample for output pixel i is at
/// (i + 0.5) · in/out − 0.5, clamped to the edge), without antialiasing. Also used in reverse to bring
/// model maps back to slice resolution.
public struct BilinearResizer: SliceResizer {
    public init() {}

    public func resize(_ grey: [UInt8], width: Int, height: Int, newWidth: Int, newHeight: Int) -> [UInt8] {
        let values = Self.resize(grey.map(Float.init), width: width, height: height, newWidth: newWidth, newHeight: newHeight)
        return values.map { UInt8(min(max($0, 0), 255).rounded()) }
    }

    /// Float version: resizes a row-major `width` × `height` image to `newWidth` × `newHeight`.
    public static func resize(_ image: [Float], width: Int, height: Int, newWidth: Int, newHeight: Int) -> [Float] {
        precondition(image.count == width * height && newWidth > 0 && newHeight > 0)
        if width == newWidth && height == newHeight { return image }
        let xs = taps(from: width, to: newWidth)
        let ys = taps(from: height, to: newHeight)
        return [Float](unsafeUninitializedCapacity: newWidth * newHeight) { out, initialized in
            image.withUnsafeBufferPointer { src in
                for j in 0..<newHeight {
                    let (y0, y1, fy) = ys[j]
                    for i in 0..<newWidth {
                        let (x0, x1, fx) = xs[i]
                        let top = src[y0 * width + x0] * (1 - fx) + src[y0 * width + x1] * fx
                        let bottom = src[y1 * width + x0] * (1 - fx) + src[y1 * width + x1] * fx
                        out[j * newWidth + i] = top * (1 - fy) + bottom * fy
                    }
                }
            }
            initialized = newWidth * newHeight
        }
    }

    /// For each output index: the two input indices and the weight of the second.
    private static func taps(from n: Int, to m: Int) -> [(Int, Int, Float)] {
        (0..<m).map { i in
            let position = min(max((Double(i) + 0.5) * Double(n) / Double(m) - 0.5, 0), Double(n - 1))
            let lower = Int(position.rounded(.down))
            return (lower, min(lower + 1, n - 1), Float(position - Double(lower)))
        }
    }
}
