import Foundation
import XCTest
@testable import Checkpoint

final class DTypeTests: XCTestCase {
    /// Every float16 bit pattern, decoded from a deliberately misaligned buffer, against the IEEE
    /// binary16 definition evaluated by hand.
    func testFloat16DecodeMatchesTheIEEEDefinitionForEveryPattern() {
        let patterns = (0...UInt16.max).map { $0 }
        var raw = [UInt8](repeating: 0, count: 1 + patterns.count * 2)
        for (i, p) in patterns.enumerated() {
            raw[1 + 2 * i] = UInt8(p & 0xFF)
            raw[2 + 2 * i] = UInt8(p >> 8)
        }
        var out = [Float](repeating: 0, count: patterns.count)
        raw.withUnsafeBytes { r in
            out.withUnsafeMutableBufferPointer { DType.float16.decode(r.baseAddress! + 1, count: patterns.count, into: $0.baseAddress!) }
        }
        for p in patterns {
            let sign: Double = p & 0x8000 != 0 ? -1 : 1
            let e = Int((p >> 10) & 0x1F), m = Double(p & 0x3FF)
            let got = out[Int(p)]
            switch e {
            case 31 where m == 0: XCTAssertEqual(got, Float(sign * .infinity), "pattern \(p)")
            case 31: XCTAssertTrue(got.isNaN, "pattern \(p)")
            case 0: XCTAssertEqual(Double(got), sign * m / 1024 * 0x1p-14, "pattern \(p)")
            default: XCTAssertEqual(Double(got), sign * (1 + m / 1024) * pow(2, Double(e - 15)), "pattern \(p)")
            }
        }
    }

    func testBFloat16AndIntegerDecode() {
        // bfloat16 is the top half of a float32.
        let values: [Float] = [1, -2.5, 0x1p-100, .infinity]
        let halves = values.map { UInt16($0.bitPattern >> 16) }
        var out = [Float](repeating: 0, count: values.count)
        halves.withUnsafeBytes { r in out.withUnsafeMutableBufferPointer { DType.bfloat16.decode(r.baseAddress!, count: values.count, into: $0.baseAddress!) } }
        XCTAssertEqual(out, values)

        let ints: [Int64] = [Int64.min, -1, 0, 1 << 40, Int64.max]
        var decoded = [Int](repeating: 0, count: ints.count)
        ints.withUnsafeBytes { r in decoded.withUnsafeMutableBufferPointer { DType.int64.decodeIntegers(r.baseAddress!, count: ints.count, into: $0.baseAddress!) } }
        XCTAssertEqual(decoded, ints.map(Int.init))
        XCTAssertTrue(DType.bool.isInteger)
        XCTAssertFalse(DType.bfloat16.isInteger)
    }
}
