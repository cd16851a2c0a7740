import Foundation

/// A small deterministic random source (SplitMix64) whose sequence depends only on its seed.
///
/// The standard library's `random(in:using:)` algorithms are not promised to stay the same across
/// Swift releases, so the generators draw through `uniform()` / `uniform(_:_:)` / `int(_:)` here,
/// which are fixed formulas over the 64-bit stream: the same seed gives the same data everywhere.
public struct SeededRandom: Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one named item (image, lesion, …) under a master seed: items do not depend
    /// on the order they are made in.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the stream name, then mixed with the seed
        for byte in stream.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        var mixer = SeededRandom(seed: seed ^ h)
        state = mixer.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// Uniform integer in 0..<count (count > 0); the modulo bias is below 2^-40 for any count used here.
    public mutating func int(_ count: Int) -> Int {
        Int(next() % UInt64(count))
    }

    /// Standard normal (Box–Muller; one value per call, the partner is dropped for simplicity).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
