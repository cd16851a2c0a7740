import Foundation

/// Small helpers for 4×4 row-major affines stored as `[Double]` of 16 (voxel index → millimetres).
enum Affine4x4 {
    static let identity: [Double] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]

    /// Flips between RAS (NIfTI) and LPS (DICOM): negating the first two output rows is its own inverse.
    static func flipRASLPS(_ a: [Double]) -> [Double] {
        var m = a
        for c in 0..<4 {
            m[c] = -m[c]
            m[4 + c] = -m[4 + c]
        }
        return m
    }

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 16)
        for r in 0..<4 {
            for c in 0..<4 {
                var s = 0.0
                for k in 0..<4 { s += a[r * 4 + k] * b[k * 4 + c] }
                out[r * 4 + c] = s
            }
        }
        return out
    }

    /// Column `j` of the 3×3 part: the millimetre step of one voxel along volume axis `j`.
    static func column(_ a: [Double], _ j: Int) -> [Double] {
        [a[j], a[4 + j], a[8 + j]]
    }

    /// Length of column `j`: the voxel spacing along volume axis `j`.
    static func columnNorm(_ a: [Double], _ j: Int) -> Double {
        let v = column(a, j)
        return (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).squareRoot()
    }

    /// Maps a voxel index (continuous) to millimetres.
    static func apply(_ a: [Double], _ p: [Double]) -> [Double] {
        (0..<3).map { r in a[r * 4] * p[0] + a[r * 4 + 1] * p[1] + a[r * 4 + 2] * p[2] + a[r * 4 + 3] }
    }

    /// A rotation about axis `axis` (0 = x, 1 = y, 2 = z) by `radians`, as a 4×4 affine.
    static func rotation(axis: Int, radians: Double) -> [Double] {
        let c = cos(radians), s = sin(radians)
        var m = identity
        let (i, j) = [(1, 2), (2, 0), (0, 1)][axis]
        m[i * 4 + i] = c
        m[i * 4 + j] = -s
        m[j * 4 + i] = s
        m[j * 4 + j] = c
        return m
    }
}
