import Foundation

/// A synthetic spiculated mass in voxel coordinates: a perturbed ellipsoid core with tapering spicules.
struct SpiculatedMass: Sendable {
    struct Spicule: Sendable {
        var direction: [Double]  // unit vector in mm space
        var length: Double  // mm
        var width: Double  // mm at the root
    }

    var center: [Double]  // voxels (x, y, z)
    var radii: [Double]  // mm
    var harmonics: [Double]
    var phases: [Double]
    var spicules: [Spicule]
    var voxelSize: [Double]  // mm per voxel along x, y, z
    /// Half-width of the core's soft edge, as a fraction of its radius.
    let edge = 0.2

    static func random(nx: Int, ny: Int, nz: Int, pixelSpacing: Double, sliceThickness: Double,
                       using rng: inout SeededRandom) -> SpiculatedMass {
        let r = rng.uniform(4, 6)
        let radii = [r, r * rng.uniform(0.75, 1), r * rng.uniform(0.7, 0.9)]
        let center = [Double(nx) * rng.uniform(0.45, 0.6), Double(ny) * rng.uniform(0.42, 0.58), Double(nz - 1) * rng.uniform(0.4, 0.6)]
        let count = 10 + rng.int(7)
        let spicules = (0..<count).map { k -> Spicule in
            // Spread evenly round the core with jitter, mostly in-plane as spicules appear in DBT.
            let theta = 2 * Double.pi * (Double(k) + rng.uniform(-0.35, 0.35)) / Double(count)
            let tilt = rng.uniform(-0.35, 0.35)
            let d = [cos(theta) * cos(tilt), sin(theta) * cos(tilt), sin(tilt)]
            return Spicule(direction: d, length: r * rng.uniform(2.0, 3.5), width: rng.uniform(0.5, 0.9))
        }
        return SpiculatedMass(center: center, radii: radii, harmonics: (0..<3).map { _ in rng.uniform(0, 0.12) },
                              phases: (0..<3).map { _ in rng.uniform(0, 2 * Double.pi) }, spicules: spicules,
                              voxelSize: [pixelSpacing, pixelSpacing, sliceThickness])
    }

    static func smoothstep(_ t: Double) -> Double {
        let c = min(1, max(0, t))
        return c * c * (3 - 2 * c)
    }

    /// Blend weight at a point given in mm from the centre.
    func weight(_ p: [Double]) -> Double {
        let u = p[0] / radii[0], v = p[1] / radii[1], w = p[2] / radii[2]
        let rho = (u * u + v * v + w * w).squareRoot()
        let phi = atan2(v, u), lat = atan2(w, (u * u + v * v).squareRoot())
        let bend = 1 + harmonics[0] * cos(3 * phi + phases[0]) + harmonics[1] * cos(5 * phi + phases[1])
            + harmonics[2] * cos(2 * lat + phases[2])
        let d = rho / bend
        var m = Self.smoothstep((1 + edge - d) / (2 * edge))
        for s in spicules where m < 1 {
            let along = p[0] * s.direction[0] + p[1] * s.direction[1] + p[2] * s.direction[2]
            guard along > 0, along < s.length else { continue }
            let off = [p[0] - along * s.direction[0], p[1] - along * s.direction[1], p[2] - along * s.direction[2]]
            let dist = (off[0] * off[0] + off[1] * off[1] + off[2] * off[2]).squareRoot()
            let halfWidth = s.width * (1 - along / s.length) + 0.08
            // Weight ½ exactly at the spicule's half-width, 1 at half of it, 0 from 1.5 times it.
            m = max(m, Self.smoothstep(1.5 - dist / halfWidth) * (along < s.length * 0.9 ? 1 : (s.length - along) / (0.1 * s.length)))
        }
        return m
    }

    /// Reach in mm beyond which the weight is 0.
    var reach: Double {
        max(radii.max()! * (1 + harmonics.reduce(0, +)) * (1 + edge), spicules.map { $0.length + 2 * $0.width }.max() ?? 0)
    }

    /// Weights on the voxel grid (x fastest).
    func weights(nx: Int, ny: Int, nz: Int) -> [Double] {
        var out = [Double](repeating: 0, count: nx * ny * nz)
        let r = reach
        func range(_ axis: Int, _ n: Int) -> ClosedRange<Int> {
            let lo = max(0, Int(((center[axis] * voxelSize[axis] - r) / voxelSize[axis]).rounded(.down)))
            let hi = min(n - 1, Int(((center[axis] * voxelSize[axis] + r) / voxelSize[axis]).rounded(.up)))
            return lo...max(lo, hi)
        }
        for z in range(2, nz) {
            for y in range(1, ny) {
                for x in range(0, nx) {
                    let p = [(Double(x) - center[0]) * voxelSize[0], (Double(y) - center[1]) * voxelSize[1],
                             (Double(z) - center[2]) * voxelSize[2]]
                    out[(z * ny + y) * nx + x] = weight(p)
                }
            }
        }
        return out
    }
}
