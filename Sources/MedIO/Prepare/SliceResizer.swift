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
        return [UInt8](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = UInt8(min(max(src[i], 0), 255).rounded()) }
            }
            initialized = values.count
        }
    }

    /// Float version: resizes a row-major `width` × `height` image to `newWidth` × `newHeight`.
    public static func resize(_ image: [Float], width: Int, height: Int, newWidth: Int, newHeight: Int) -> [Float] {
        precondition(image.count == width * height && newWidth > 0 && newHeight > 0)
        if width == newWidth && height == newHeight { return image }
        let xs = taps(from: width, to: newWidth)
        let ys = taps(from: height, to: newHeight)
        return [Float](unsafeUninitializedCapacity: newWidth * newHeight) { out, initialized in
            image.withUnsafeBufferPointer { src in
                xs.lower.withUnsafeBufferPointer { x0 in
                    xs.upper.withUnsafeBufferPointer { x1 in
                        xs.weight.withUnsafeBufferPointer { fx in
                            for j in 0..<newHeight {
                                let top = ys.lower[j] * width, bottom = ys.upper[j] * width, fy = ys.weight[j]
                                for i in 0..<newWidth {
                                    let t = src[top + x0[i]] + (src[top + x1[i]] - src[top + x0[i]]) * fx[i]
                                    let b = src[bottom + x0[i]] + (src[bottom + x1[i]] - src[bottom + x0[i]]) * fx[i]
                                    out[j * newWidth + i] = t + (b - t) * fy
                                }
                            }
                        }
                    }
                }
            }
            initialized = newWidth * newHeight
        }
    }

    /// For each output index: the two input indices and the weight of the second.
    private static func taps(from n: Int, to m: Int) -> (lower: [Int], upper: [Int], weight: [Float]) {
        var lower = [Int](repeating: 0, count: m), upper = lower, weight = [Float](repeating: 0, count: m)
        for i in 0..<m {
            let position = min(max((Double(i) + 0.5) * Double(n) / Double(m) - 0.5, 0), Double(n - 1))
            lower[i] = Int(position.rounded(.down))
            upper[i] = min(lower[i] + 1, n - 1)
            weight[i] = Float(position - Double(lower[i]))
        }
        return (lower, upper, weight)
    }
}
