import XCTest

@testable import MedIO

final class DicomWriteUIDTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// FIPS 180-4 example vectors (one block, empty, two blocks) and a million 'a's.
    func testSHA256MatchesPublishedVectors() {
        XCTAssertEqual(hex(SHA256Digest.hash(Array("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(SHA256Digest.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(SHA256Digest.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex(SHA256Digest.hash([UInt8](repeating: 0x61, count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Decimal conversion against values known in closed form (2^128 - 1, 256, 0).
    func testDecimalConversion() {
        XCTAssertEqual(DicomUIDGenerator.decimal(of: [UInt8](repeating: 0xff, count: 16)),
                       "340282366920938463463374607431768211455")
        XCTAssertEqual(DicomUIDGenerator.decimal(of: [0x01, 0x00]), "256")
        XCTAssertEqual(DicomUIDGenerator.decimal(of: [0, 0, 0]), "0")
    }

    func testDeterministicUIDsAreValidStableAndDistinct() throws {
        let roots = ["2.25", "1.2.826.0.1.3680043.10.543", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.1"]
        for root in roots {
            let g = try DicomUIDGenerator.deterministic(root: root, seed: "study-42")
            var seen = Set<String>()
            for purpose in ["series/sc", "series/seg", "instance/sc"] {
                for index in 0..<50 {
                    let uid = g.uid(purpose: purpose, index: index)
                    XCTAssertTrue(DicomUIDGenerator.isValidUID(uid), uid)
                    XCTAssertLessThanOrEqual(uid.utf8.count, 64)
                    XCTAssertTrue(uid.hasPrefix(root + "."))
                    // Same inputs, same UID; a fresh generator with the same root and seed agrees.
                    XCTAssertEqual(uid, try DicomUIDGenerator.deterministic(root: root, seed: "study-42")
                        .uid(purpose: purpose, index: index))
                    seen.insert(uid)
                }
            }
            XCTAssertEqual(seen.count, 150, "collision under root \(root)")
            XCTAssertNotEqual(g.uid(purpose: "x"), try DicomUIDGenerator.deterministic(root: root, seed: "study-43").uid(purpose: "x"))
        }
        // A root of 43 characters leaves exactly 20 digits.
        let root43 = "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.1"
        XCTAssertEqual(root43.count, 43)
        XCTAssertEqual(try DicomUIDGenerator.deterministic(root: root43, seed: "s").uid(purpose: "p").count, 64)
    }

    func testBadRootsAreRejected() {
        for root in ["", "1.02.3", "1..2", "1.2.", "a.b", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21"] {
            XCTAssertThrowsError(try DicomUIDGenerator.deterministic(root: root, seed: "s"), root) { error in
                guard case .invalidUIDRoot(let r, _) = error as? DicomWriteError else { return XCTFail("\(error)") }
                XCTAssertEqual(r, root)
            }
        }
        XCTAssertThrowsError(try DicomUIDGenerator.unique(root: "1.2.03"))
    }

    func testUniqueUIDsAreValidAndDistinct() throws {
        for g in [try DicomUIDGenerator.unique(), try DicomUIDGenerator.unique(root: "1.2.826.0.1.3680043.10.543")] {
            let uids = (0..<100).map { _ in g.uid(purpose: "instance") }
            XCTAssertEqual(Set(uids).count, 100)
            for uid in uids { XCTAssertTrue(DicomUIDGenerator.isValidUID(uid), uid) }
        }
        XCTAssertTrue(try DicomUIDGenerator.unique(root: "1.2.826.0.1.3680043.10.543").uid(purpose: "x")
            .hasPrefix("1.2.826.0.1.3680043.10.543."))
    }

    func testClockFormatsDicomDateAndTime() {
        // 2023-11-14 22:13:20 UTC; in UTC+01:00 it is already the 15th.
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let utc = DicomWriteClock.fixed(date).stamp()
        XCTAssertEqual(utc.date, "20231114")
        XCTAssertEqual(utc.time, "221320")
        let cet = DicomWriteClock.fixed(date, timeZone: TimeZone(secondsFromGMT: 3600)!).stamp()
        XCTAssertEqual(cet.date, "20231114")
        XCTAssertEqual(cet.time, "231320")
        let east = DicomWriteClock.fixed(date, timeZone: TimeZone(secondsFromGMT: 3 * 3600)!).stamp()
        XCTAssertEqual(east.date, "20231115")
        XCTAssertEqual(east.time, "011320")
    }

    /// The outline keeps exactly the masked pixels with a 4-neighbour outside (checked here on a
    /// 3x3 block, whose only interior pixel is the centre, and on a block touching the border).
    func testOverlayOutline() {
        var m = [Bool](repeating: false, count: 5 * 6)
        for r in 1...3 { for c in 1...3 { m[r * 6 + c] = true } }
        for r in 0...2 { m[r * 6 + 5] = true }
        let bits = DicomOverlayMask(rows: 5, columns: 6, mask: m, style: .outline).renderedBits()
        var expected = m.map { $0 ? UInt8(1) : 0 }
        expected[2 * 6 + 2] = 0
        XCTAssertEqual(bits, expected)
        XCTAssertEqual(DicomOverlayMask(rows: 5, columns: 6, mask: m, style: .filled).renderedBits(), m.map { $0 ? 1 : 0 })
    }
}
