extension ByteImage {
    /// PIL's grey level of an RGB triple: ITU-R 601-2 luma in 16-bit fixed point with rounding,
    /// `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16` (Pillow's `L24`). This is what
    /// `convert("L")` computes; it differs by one from the documented `R·299/1000 + G·587/1000 +
    /// B·114/1000` for some colours (e.g. (0, 1, 0) → 1, where the integer formula gives 0).
    @inline(__always)
    public static func luma(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int(red) * 19595 + Int(green) * 38470 + Int(blue) * 7471 + 0x8000) >> 16)
    }

    /// The image in another mode, converted as PIL's `Image.convert` does:
    /// RGB/RGBA → L by `luma` (alpha ignored), RGBA → RGB drops alpha, L → RGB replicates,
    /// L/RGB → RGBA adds an opaque alpha.
    public func converted(to target: Mode) -> ByteImage {
        if target == mode { return self }
        let n = width * height
        let inC = mode.channels
        let outC = target.channels
        var out = [UInt8](repeating: 255, count: n * outC)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                switch (mode, target) {
                case (.rgb, .gray), (.rgba, .gray):
                    for i in 0..<n {
                        dst[i] = ByteImage.luma(red: src[i * inC], green: src[i * inC + 1], blue: src[i * inC + 2])
                    }
                case (.gray, _):
                    for i in 0..<n {
                        let v = src[i]
                        dst[i * outC] = v
                        dst[i * outC + 1] = v
                        dst[i * outC + 2] = v
                    }
                default:  // RGB ↔ RGBA: copy colour, alpha stays 255 or is dropped
                    for i in 0..<n {
                        dst[i * outC] = src[i * inC]
                        dst[i * outC + 1] = src[i * inC + 1]
                        dst[i * outC + 2] = src[i * inC + 2]
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: width, height: height, mode: target, pixels: out)
    }
}
