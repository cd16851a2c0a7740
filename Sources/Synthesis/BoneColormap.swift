/// The "bone" colour map (grey with a blue cast), from matplotlib's published segment data:
/// red (0, 0) (0.746032, 0.652778) (1, 1); green (0, 0) (0.365079, 0.319444) (0.746032, 0.777778) (1, 1);
/// blue (0, 0) (0.365079, 0.444444) (1, 1), linear between. BMAD's BraTS PNGs use it, so images
/// made with it look like theirs; values are interpolated here, not copied from matplotlib's 256-entry table.
public enum BoneColormap {
    static let red: [(Double, Double)] = [(0, 0), (0.746032, 0.652778), (1, 1)]
    static let green: [(Double, Double)] = [(0, 0), (0.365079, 0.319444), (0.746032, 0.777778), (1, 1)]
    static let blue: [(Double, Double)] = [(0, 0), (0.365079, 0.444444), (1, 1)]

    /// RGB for each grey value 0…255.
    public static let table: [(UInt8, UInt8, UInt8)] = (0..<256).map { g in
        let x = Double(g) / 255
        return (channel(red, x), channel(green, x), channel(blue, x))
    }

    static func channel(_ points: [(Double, Double)], _ x: Double) -> UInt8 {
        var i = 1
        while i < points.count - 1 && x > points[i].0 { i += 1 }
        let (x0, y0) = points[i - 1], (x1, y1) = points[i]
        let y = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return UInt8((min(1, max(0, y)) * 255).rounded())
    }

    /// Interleaved RGB for a grey image.
    public static func rgb(_ grey: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: grey.count * 3)
        for (i, g) in grey.enumerated() {
            let c = table[Int(g)]
            out[3 * i] = c.0
            out[3 * i + 1] = c.1
            out[3 * i + 2] = c.2
        }
        return out
    }
}
