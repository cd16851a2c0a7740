/// A colour map: 256 colours, looked up as matplotlib looks up its 256-entry maps.
///
/// `color(at: t)` takes `t ∈ [0, 1]` and returns entry `min(⌊t·256⌋, 255)`; t < 0 gives the
/// first entry, t > 1 the last (matplotlib's default under/over colours). Entries are the 8-bit
/// colours matplotlib returns for `cmap(x, bytes=True)` (float table × 255, truncated), so a map
/// rendered here matches one rendered by matplotlib pixel for pixel.
///
/// The maps:
/// - `jet`: matplotlib's `jet`, computed here from its piecewise-linear segment definition.
///   Familiar from the MedVMAD/AnomalyCLIP figures; not perceptually uniform (its bright cyan and
///   yellow bands invent edges), so reports default to `inferno`.
/// - `inferno`: matplotlib's perceptually uniform `inferno` (designed by Nathaniel Smith and
///   Stéfan van der Walt, public domain / CC0): black → purple → orange → pale yellow, lightness
///   rising monotonically, readable in greyscale print and by colour-blind readers. The table is
///   embedded (Colormap+Tables.swift), as matplotlib's own definition is a table.
/// - `bone`: matplotlib's `bone` (bluish grey), from its segment definition; BMAD's brain PNGs
///   were written with it.
/// - `gray`: matplotlib's grey ramp — not quite the identity: float rounding before the 8-bit
///   truncation puts 24 of its entries one level below i (entry 33 is 32).
public struct Colormap: Sendable, Equatable {
    /// The map's name as matplotlib spells it.
    public let name: String
    /// 256 × (R, G, B), entry-major.
    public let table: [UInt8]

    /// A map from 256 RGB entries (768 bytes); throws `invalidPixels` otherwise.
    public init(name: String, table: [UInt8]) throws {
        guard table.count == 768 else {
            throw RasterError.invalidPixels(reason: "colour map \(name) needs 256 RGB entries (768 bytes), got \(table.count)")
        }
        self.name = name
        self.table = table
    }

    init(uncheckedName name: String, table: [UInt8]) {
        assert(table.count == 768)
        self.name = name
        self.table = table
    }

    /// Entry index for a fraction of the scale, as matplotlib indexes (NaN → 0).
    @inline(__always)
    public static func index(at t: Float) -> Int {
        guard t > 0 else { return 0 }  // also catches NaN
        if t >= 1 { return 255 }
        // Double, as matplotlib multiplies float64; floor(t·256) < 256 for t < 1.
        return min(Int(Double(t) * 256), 255)
    }

    /// The colour of fraction `t` of the scale (see the type's documentation).
    @inline(__always)
    public func color(at t: Float) -> RGBColor {
        let i = Colormap.index(at: t) * 3
        return RGBColor(red: table[i], green: table[i + 1], blue: table[i + 2])
    }

    /// The colour of `value` on `scale`.
    public func color(of value: Float, scale: ColorScale) -> RGBColor {
        color(at: scale.fraction(value))
    }

    /// The map applied to every value of `map` on the fixed `scale`, as an RGBA image.
    ///
    /// With `transparentBelowLo`, values ≤ `lo` (and NaN) get alpha 0 so that compositing leaves
    /// normal tissue as it was; otherwise every pixel is opaque and NaN takes the first colour.
    public func apply(to map: FloatImage, scale: ColorScale, transparentBelowLo: Bool = false) -> ByteImage {
        let n = map.width * map.height
        var out = [UInt8](repeating: 255, count: n * 4)
        table.withUnsafeBufferPointer { lut in
            map.values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        let v = src[i]
                        let e = Colormap.index(at: scale.fraction(v)) * 3
                        dst[4 * i] = lut[e]
                        dst[4 * i + 1] = lut[e + 1]
                        dst[4 * i + 2] = lut[e + 2]
                        if transparentBelowLo && !(v > scale.lo) { dst[4 * i + 3] = 0 }
                    }
                }
            }
        }
        return ByteImage(uncheckedWidth: map.width, height: map.height, mode: .rgba, pixels: out)
    }

    /// The maps by name (`jet`, `inferno`, `bone`, `gray`).
    public static func named(_ name: String) -> Colormap? {
        switch name {
        case "jet": return .jet
        case "inferno": return .inferno
        case "bone": return .bone
        case "gray", "grey": return .gray
        default: return nil
        }
    }

    /// matplotlib's `jet`.
    public static let jet = Colormap(uncheckedName: "jet", table: segmentedTable(
        red: [(0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)],
        green: [(0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)],
        blue: [(0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0)]))

    /// matplotlib's `bone`.
    public static let bone = Colormap(uncheckedName: "bone", table: segmentedTable(
        red: [(0, 0), (0.746032, 0.652778), (1, 1)],
        green: [(0, 0), (0.365079, 0.319444), (0.746032, 0.777778), (1, 1)],
        blue: [(0, 0), (0.365079, 0.444444), (1, 1)]))

    /// matplotlib's `gray`.
    public static let gray = Colormap(uncheckedName: "gray", table: segmentedTable(
        red: [(0, 0), (1, 1)], green: [(0, 0), (1, 1)], blue: [(0, 0), (1, 1)]))

    /// matplotlib's `inferno`, the default for reports.
    public static let inferno = Colormap(uncheckedName: "inferno", table: hexTable(infernoHex))

    /// A 256-entry table from continuous piecewise-linear channels given as (x, y) knots with
    /// x from 0 to 1. Follows matplotlib's `_create_lookup_table` operation for operation (knots
    /// and sample points scaled by 255, sample points from `linspace`, the first knot at or
    /// above each point, `distance · Δy + y`), then truncates `value · 255` to 8 bits as
    /// `cmap(x, bytes=True)` does — a different but equivalent formula lands a few entries one
    /// level lower or higher.
    static func segmentedTable(red: [(Double, Double)], green: [(Double, Double)], blue: [(Double, Double)]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 768)
        let step = 1.0 / 255  // numpy's linspace(0, 1, 256): i · step, last point exactly 1
        for (c, knots) in [red, green, blue].enumerated() {
            let xs = knots.map { $0.0 * 255 }
            for i in 0..<256 {
                let y: Double
                if i == 0 {
                    y = knots[0].1
                } else if i == 255 {
                    y = knots[knots.count - 1].1
                } else {
                    let xi = 255 * (Double(i) * step)
                    var k = 0
                    while k < xs.count - 1 && xs[k] < xi { k += 1 }  // searchsorted, side "left"
                    let distance = (xi - xs[k - 1]) / (xs[k] - xs[k - 1])
                    y = distance * (knots[k].1 - knots[k - 1].1) + knots[k - 1].1
                }
                out[i * 3 + c] = UInt8(max(0, min(1, y)) * 255)  // truncation, as numpy's astype
            }
        }
        return out
    }

    /// Decodes the embedded hex rows (six hex digits per entry).
    static func hexTable(_ rows: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        var high: UInt8?
        for ch in rows.joined().utf8 {
            let nibble: UInt8
            switch ch {
            case 48...57: nibble = ch - 48
            case 97...102: nibble = ch - 87
            default: continue
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }
}
