import Foundation
import XCTest

@testable import Raster

final class RenderTextTests: XCTestCase {
    /// The glyph table's own bits for `character`, parsed here from its `#`/`.` rows.
    private func tableBits(_ character: Character) throws -> [[Bool]] {
        let art = try XCTUnwrap(BitmapFont.standardGlyphRows.first { $0.0 == character }?.1, "no glyph for \(character)")
        return art.split(separator: " ").map { row in row.map { $0 == "#" } }
    }

    /// Drawing a character at scale 1 and 2 reproduces the table's bitmap, each bit a s×s block,
    /// and touches nothing else.
    func testDrawnGlyphMatchesTable() throws {
        let font = BitmapFont.standard
        for character: Character in ["A", "g", "7", "%"] {
            let bits = try tableBits(character)
            XCTAssertEqual(bits.count, font.glyphHeight)
            XCTAssertTrue(bits.allSatisfy { $0.count == font.glyphWidth })
            for scale in [1, 2] {
                let (ox, oy) = (3, 2)
                var image = try ByteImage(width: 20, height: 24, mode: .gray, filledWith: .black)
                font.draw(String(character), on: &image, x: ox, y: oy, scale: scale, color: .white)
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        let (gx, gy) = (x - ox, y - oy)
                        let inGlyph = gx >= 0 && gy >= 0 && gx < font.glyphWidth * scale && gy < font.glyphHeight * scale
                        let ink = inGlyph && bits[gy / scale][gx / scale]
                        XCTAssertEqual(image[x, y, 0], ink ? 255 : 0, "\(character) scale \(scale) at \(x),\(y)")
                    }
                }
            }
        }
    }

    /// Every printable ASCII character has its own, distinct glyph; only space is blank; all
    /// rows have the stated width (a typo in the table shows up here).
    func testTableCoversPrintableASCII() throws {
        let font = BitmapFont.standard
        var seen: [[[Bool]]: Character] = [:]
        for code in 32...126 {
            let character = Character(UnicodeScalar(UInt8(code)))
            XCTAssertTrue(font.hasGlyph(character), "missing \(character)")
            let art = try XCTUnwrap(BitmapFont.standardGlyphRows.first { $0.0 == character }?.1)
            let rows = art.split(separator: " ")
            XCTAssertEqual(rows.count, 8, "\(character)")
            XCTAssertTrue(rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } }, "\(character): \(art)")
            let bits = try tableBits(character)
            XCTAssertEqual(bits.joined().contains(true), character != " ", "\(character) blank?")
            if let other = seen[bits] { XCTFail("\(character) and \(other) share a glyph") }
            seen[bits] = character
        }
        XCTAssertEqual(BitmapFont.standardGlyphRows.count, Set(BitmapFont.standardGlyphRows.map(\.0)).count, "duplicate entries")
    }

    func testUnknownCharactersDrawAsQuestionMark() throws {
        let font = BitmapFont.standard
        var a = try ByteImage(width: 8, height: 10, mode: .gray, filledWith: .black)
        var b = a
        font.draw("\u{263A}", on: &a, x: 1, y: 1)
        font.draw("?", on: &b, x: 1, y: 1)
        XCTAssertEqual(a, b)
        XCTAssertTrue(font.hasGlyph("—"))
    }

    func testMeasuresAndLabelBackground() throws {
        let font = BitmapFont.standard
        let label = "AI generated \u{2014} not for clinical use"
        XCTAssertEqual(font.width(of: label, scale: 1), label.count * 6 - 1)
        XCTAssertEqual(font.width(of: label, scale: 2), (label.count * 6 - 1) * 2)
        XCTAssertEqual(font.height(of: "a\nbc", scale: 3), (2 * 9 - 1) * 3)
        XCTAssertEqual(font.width(of: "a\nbcd"), 3 * 6 - 1)

        var image = try ByteImage(width: 300, height: 30, mode: .rgb, filledWith: RGBColor(gray: 90))
        font.draw(label, on: &image, x: 4, y: 6, scale: 1, color: .white, background: .black)
        // Inside the box: only text and background colours; the box is exactly text + 1 pixel.
        let box = PixelRect(x: 3, y: 5, width: font.width(of: label) + 2, height: font.height(of: label) + 2)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let c = image.color(x: x, y: y)
                if box.contains(x: x, y: y) {
                    XCTAssertTrue(c == .white || c == .black, "\(x),\(y) \(c)")
                } else {
                    XCTAssertEqual(c, RGBColor(gray: 90), "\(x),\(y) outside the label changed")
                }
            }
        }
        // Clipping at the edges must not trap.
        font.draw("clipped", on: &image, x: -7, y: -3, scale: 3)
        font.draw("clipped", on: &image, x: 290, y: 25, scale: 3)
    }

    /// Wrapping keeps every line within the width, breaks at spaces, and loses no characters.
    func testWrapping() {
        let font = BitmapFont.standard
        let label = "AI generated \u{2014} not for clinical use"
        for (maxWidth, scale) in [(96, 1), (60, 1), (200, 2), (20, 1), (1000, 1)] {
            let wrapped = font.wrapped(label, maxWidth: maxWidth, scale: scale)
            for line in wrapped.split(separator: "\n") {
                XCTAssertLessThanOrEqual(font.width(of: String(line), scale: scale), max(maxWidth, font.glyphWidth * scale), "\(line)")
            }
            XCTAssertEqual(wrapped.filter { $0 != " " && $0 != "\n" }, label.filter { $0 != " " })
            if font.width(of: label, scale: scale) <= maxWidth { XCTAssertEqual(wrapped, label) }
        }
        XCTAssertEqual(font.wrapped("not for clinical use", maxWidth: 6 * 12 - 1), "not for\nclinical use")
    }

    /// Fixed-decimal text agrees with C's printf for values away from exact ties (printf rounds
    /// ties to even on the binary value; these random values are never ties).
    func testNumberTextMatchesPrintf() {
        var rng = RenderTestSupport.Random(state: 3)
        for i in 0..<2000 {
            let v = (Double(rng.unit()) - 0.5) * pow(10, Double(i % 7) - 2)
            for d in 0...4 {
                var expected = String(format: "%.\(d)f", v)
                // printf keeps the sign of a negative value that rounds to zero ("-0.00");
                // labels drop it on purpose.
                if expected.hasPrefix("-") && expected.allSatisfy({ "-0.".contains($0) }) { expected.removeFirst() }
                XCTAssertEqual(NumberText.fixed(v, decimals: d), expected, "\(v) with \(d) decimals")
            }
        }
        XCTAssertEqual(NumberText.fixed(-0.0001, decimals: 2), "0.00")  // no "-0.00"
        XCTAssertEqual(NumberText.fixed(.nan, decimals: 2), "nan")
    }

    /// Ticks are multiples of a 1/2/5 step, inside the range, evenly spaced.
    func testNiceTicks() {
        for (lo, hi, maxCount) in [(0.0, 1.0, 6), (0.13, 0.87, 5), (-3.0, 250.0, 8), (1.0, 10.0, 10), (0.0012, 0.0047, 4)] {
            let (values, decimals) = NumberText.ticks(lo: lo, hi: hi, maxCount: maxCount)
            XCTAssertGreaterThanOrEqual(values.count, 2, "\(lo)…\(hi)")
            XCTAssertLessThanOrEqual(values.count, maxCount, "\(lo)…\(hi)")
            let step = values[1] - values[0]
            let mantissa = step / pow(10, floor(log10(step)))
            XCTAssertTrue([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-6 }, "step \(step)")
            for (a, b) in zip(values, values.dropFirst()) { XCTAssertEqual(b - a, step, accuracy: step * 1e-9) }
            XCTAssertTrue(values.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 })
            XCTAssertTrue(values.allSatisfy { abs($0 / step - ($0 / step).rounded()) < 1e-6 })
            // The decimals print every tick distinctly.
            XCTAssertEqual(Set(values.map { NumberText.fixed($0, decimals: decimals) }).count, values.count)
        }
    }
}
