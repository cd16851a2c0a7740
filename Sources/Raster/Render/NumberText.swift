#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting for labels, without Foundation: fixed decimals, and "nice" axis ticks.
public enum NumberText {
    /// `value` rounded half away from zero to `decimals` places ("0.50", "-3", "12.0").
    /// Non-finite values print as "nan", "inf", "-inf"; magnitudes beyond 1e15 fall back to
    /// Swift's shortest representation.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let d = max(0, min(decimals, 9))
        var power = 1
        for _ in 0..<d { power *= 10 }
        let scaled = (abs(value) * Double(power)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 1e15 else { return "\(value)" }
        let m = Int(scaled)
        let sign = value < 0 && m != 0 ? "-" : ""
        guard d > 0 else { return sign + String(m) }
        let fraction = String(m % power)
        return sign + String(m / power) + "." + String(repeating: "0", count: d - fraction.count) + fraction
    }

    /// Tick positions for an axis over [lo, hi]: multiples of a step from {1, 2, 5} × 10^k chosen
    /// so that at most `maxCount` ticks fall inside the range, with the decimals that show them.
    public static func ticks(lo: Double, hi: Double, maxCount: Int = 6) -> (values: [Double], decimals: Int) {
        guard lo.isFinite, hi.isFinite, hi > lo, maxCount >= 2 else { return ([lo], 2) }
        let step = niceStep(span: hi - lo, maxCount: maxCount)
        let first = (lo / step).rounded(.up)
        let last = (hi / step).rounded(.down)
        var values: [Double] = []
        var k = first
        while k <= last + 1e-9 {
            values.append(k * step)
            k += 1
        }
        return (values, decimals(forStep: step))
    }

    /// The smallest step of the form {1, 2, 5} × 10^k giving at most `maxCount` ticks over `span`.
    public static func niceStep(span: Double, maxCount: Int) -> Double {
        let raw = span / Double(max(1, maxCount - 1))
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2.0, 5.0, 10.0] where m * magnitude >= raw * (1 - 1e-9) {
            return m * magnitude
        }
        return 10 * magnitude
    }

    /// Decimals needed to print multiples of `step` exactly (0 for steps ≥ 1).
    public static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 2 }
        return max(0, Int(-floor(log10(step) + 1e-9)))
    }
}
