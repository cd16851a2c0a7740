import Foundation

/// A synthetic breast tomosynthesis volume: a compressed breast with fibroglandular texture and one
/// spiculated mass, with the mass's exact mask. Nothing in it comes from a patient.
///
/// Geometry (voxel x = column, y = row, z = plane): the breast is a half-ellipse against the chest
/// wall at column 0, centred on the middle row, shrinking slightly toward the paddles (first and last
/// planes); a 1.6 mm skin rim is denser. Texture: band-limited 3-D noise (white noise through three
/// box blurs) at two scales, turned into a glandular fraction by a logistic curve, denser behind the
/// nipple. The mass: a perturbed ellipsoid (about 4–6 mm) with 10–16 tapering spicules radiating
/// mostly in-plane. Its blend weight m ∈ [0, 1] mixes mass density into the tissue; the mask is
/// m ≥ ½. Values are 12-bit (0…4095), dense tissue bright (MONOCHROME2).
public struct BreastPhantom: Sendable {
    /// What was made (size, spacing, seed).
    public var options: BreastPhantomOptions
    /// frames×rows×columns values, x fastest.
    public var voxels: [UInt16]
    /// 1 where the mass is (m ≥ ½), same layout.
    public var mask: [UInt8]
    /// Mass centre (column, row, plane) in voxels.
    public var massCenter: [Double]

    static let air: Double = 40, fat: Double = 900, gland: Double = 2200, skin: Double = 1900, massDensity: Double = 2600

    /// Computes the volume and mask for `options` (deterministic in the seed).
    public init(options: BreastPhantomOptions = .init()) throws {
        try options.validate()
        self.options = options
        let nx = options.columns, ny = options.rows, nz = options.frames
        var rng = SeededRandom(seed: options.seed, stream: "dbt/texture")
        let coarse = Self.smoothNoise(nx: nx, ny: ny, nz: nz, radius: (max(2, nx / 40), max(1, nz / 12)), using: &rng)
        let fine = Self.smoothNoise(nx: nx, ny: ny, nz: nz, radius: (max(1, nx / 120), 1), using: &rng)
        var shape = SeededRandom(seed: options.seed, stream: "dbt/mass")
        let mass = SpiculatedMass.random(nx: nx, ny: ny, nz: nz, pixelSpacing: options.pixelSpacing,
                                         sliceThickness: options.sliceThickness, using: &shape)
        massCenter = mass.center
        var noise = SeededRandom(seed: options.seed, stream: "dbt/quantum")
        var voxels = [UInt16](repeating: 0, count: nx * ny * nz)
        var mask = [UInt8](repeating: 0, count: nx * ny * nz)
        let a = 0.92 * Double(nx), b = 0.46 * Double(ny), yc = Double(ny - 1) / 2
        let skinWidth = 1.6 / options.pixelSpacing
        let massWeights = mass.weights(nx: nx, ny: ny, nz: nz)
        // One pass over the grid through buffer pointers: no bounds checks or copies in the voxel loop.
        voxels.withUnsafeMutableBufferPointer { vp in
            mask.withUnsafeMutableBufferPointer { mp in
                coarse.withUnsafeBufferPointer { cp in
                    fine.withUnsafeBufferPointer { fp in
                        massWeights.withUnsafeBufferPointer { wp in
                            for z in 0..<nz {
                                // Compressed breast: the outline is ~12% smaller at the paddles than mid-way.
                                let t = 2 * Double(z) / Double(max(1, nz - 1)) - 1
                                let shrink = 1 - 0.12 * pow(abs(t), 4)
                                for y in 0..<ny {
                                    for x in 0..<nx {
                                        let i = (z * ny + y) * nx + x
                                        let u = Double(x) / (a * shrink), v = (Double(y) - yc) / (b * shrink)
                                        let r = (u * u + v * v).squareRoot()
                                        var value = Self.air
                                        if r < 1 {
                                            let depth = (1 - r) * min(a, b) * shrink
                                            // Glandular tissue sits mostly behind the nipple, thinning toward the skin.
                                            let bias = 0.6 - 2.4 * v * v - 2.0 * (u - 0.4) * (u - 0.4)
                                            let g = 1 / (1 + exp(-(1.1 * cp[i] + 0.45 * fp[i] + bias) * 1.3))
                                            value = Self.fat + (Self.gland - Self.fat) * g
                                            if depth < skinWidth { value = Self.skin }
                                            let m = wp[i]
                                            if m > 0 {
                                                value = value * (1 - m) + Self.massDensity * m
                                                if m >= 0.5 { mp[i] = 1 }
                                            }
                                            value += 25 * noise.normal()
                                        }
                                        vp[i] = UInt16(min(4095, max(0, value.rounded())))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.voxels = voxels
        self.mask = mask
    }

    /// Zero-mean, unit-variance band-limited noise: white noise blurred three times by a box of
    /// half-width radius.0 in-plane and radius.1 across planes (close to a Gaussian).
    static func smoothNoise(nx: Int, ny: Int, nz: Int, radius: (Int, Int), using rng: inout SeededRandom) -> [Double] {
        var field = (0..<(nx * ny * nz)).map { _ in rng.uniform(-1, 1) }
        for _ in 0..<3 {
            boxBlur(&field, count: nx, stride: 1, lines: (0..<(ny * nz)).map { $0 * nx }, radius: radius.0)
            boxBlur(&field, count: ny, stride: nx, lines: (0..<nz).flatMap { z in (0..<nx).map { z * nx * ny + $0 } }, radius: radius.0)
            boxBlur(&field, count: nz, stride: nx * ny, lines: Array(0..<(nx * ny)), radius: radius.1)
        }
        let mean = field.reduce(0, +) / Double(field.count)
        let sd = (field.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(field.count)).squareRoot()
        return field.map { ($0 - mean) / max(sd, 1e-12) }
    }

    /// Running-mean blur along lines starting at `lines`, `count` samples `stride` apart; edges clamp.
    static func boxBlur(_ f: inout [Double], count: Int, stride: Int, lines: [Int], radius: Int) {
        guard radius > 0 else { return }
        var line = [Double](repeating: 0, count: count)
        let width = Double(2 * radius + 1)
        f.withUnsafeMutableBufferPointer { p in
            for start in lines {
                for k in 0..<count { line[k] = p[start + k * stride] }
                var sum = 0.0
                for k in -radius...radius { sum += line[min(count - 1, max(0, k))] }
                for k in 0..<count {
                    p[start + k * stride] = sum / width
                    sum += line[min(count - 1, k + radius + 1)] - line[max(0, k - radius)]
                }
            }
        }
    }
}
