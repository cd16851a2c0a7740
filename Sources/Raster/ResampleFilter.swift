/// Resampling filters, with the kernels and supports of Pillow's `Image.resize`.
public enum ResampleFilter: String, Sendable, CaseIterable {
    /// Nearest neighbour (PIL `NEAREST`): no interpolation, no antialiasing.
    case nearest
    /// Triangle filter, support 1 (PIL `BILINEAR`), antialiased when shrinking.
    case bilinear
    /// Keys cubic with a = −0.5, support 2 (PIL `BICUBIC`), antialiased when shrinking.
    case bicubic

    /// The cubic convolution parameter Pillow uses (PyTorch's non-antialiased bicubic uses −0.75).
    static let bicubicA = -0.5

    /// Half-width of the kernel at scale 1, in input pixels.
    var support: Double {
        switch self {
        case .nearest: return 0.5
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The kernel value at distance `x` (in input pixels at scale 1).
    @inline(__always)
    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .nearest:
            return x <= 0.5 ? 1 : 0
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = ResampleFilter.bicubicA
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}
