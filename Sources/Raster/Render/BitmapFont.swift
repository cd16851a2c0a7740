/// A fixed-width bitmap font for burning labels into images.
///
/// `standard` is a 5×8 font (5×7 capitals plus a descender row) drawn for this project, one cell
/// 6×9 pixels (a column and a row of spacing). It covers ASCII 32–126 and a few label symbols
/// (— – ± ≤ ≥ × µ °); anything else is drawn as `?`. Scaling repeats each pixel `scale`×`scale`.
public struct BitmapFont: Sendable {
    /// Ink columns per glyph.
    public let glyphWidth: Int
    /// Ink rows per glyph (descender included).
    public let glyphHeight: Int
    /// Horizontal distance between glyph origins at scale 1.
    public let advance: Int
    /// Vertical distance between lines at scale 1.
    public let lineHeight: Int
    /// Rows of each glyph, top first; bit `glyphWidth − 1 − x` is column x.
    private let glyphs: [Character: [UInt8]]
    private let fallback: [UInt8]

    /// The built-in 5×8 font.
    public static let standard = BitmapFont(rows: BitmapFont.standardGlyphRows, glyphWidth: 5, glyphHeight: 8)

    /// Builds a font from rows of `#` (ink) and `.` (paper), one string per glyph, rows
    /// separated by spaces. Rows are padded or cut to the stated size.
    init(rows table: [(Character, String)], glyphWidth: Int, glyphHeight: Int) {
        var glyphs: [Character: [UInt8]] = [:]
        for (character, art) in table {
            var bits = art.split(separator: " ").map { row -> UInt8 in
                var v: UInt8 = 0
                for (x, ch) in row.prefix(glyphWidth).enumerated() where ch == "#" {
                    v |= 1 << UInt8(glyphWidth - 1 - x)
                }
                return v
            }
            bits = Array(bits.prefix(glyphHeight)) + [UInt8](repeating: 0, count: max(0, glyphHeight - bits.count))
            glyphs[character] = bits
        }
        self.glyphs = glyphs
        self.fallback = glyphs["?"] ?? [UInt8](repeating: 0, count: glyphHeight)
        self.glyphWidth = glyphWidth
        self.glyphHeight = glyphHeight
        self.advance = glyphWidth + 1
        self.lineHeight = glyphHeight + 1
    }

    /// Whether `character` has its own glyph (others draw as `?`).
    public func hasGlyph(_ character: Character) -> Bool { glyphs[character] != nil }

    /// The characters that have glyphs.
    public var characters: [Character] { Array(glyphs.keys) }

    /// Whether glyph pixel (x, y) of `character` is ink (x < glyphWidth, y < glyphHeight).
    public func isInk(_ character: Character, x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < glyphWidth, y < glyphHeight else { return false }
        let rows = glyphs[character] ?? fallback
        return rows[y] >> UInt8(glyphWidth - 1 - x) & 1 == 1
    }

    /// Width in pixels of the widest line of `text` at `scale` (no trailing spacing column).
    public func width(of text: String, scale: Int = 1) -> Int {
        let widest = text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count).max() ?? 0
        return widest == 0 ? 0 : (widest * advance - 1) * scale
    }

    /// Height in pixels of `text` at `scale` (no trailing spacing row).
    public func height(of text: String, scale: Int = 1) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        return (lines * lineHeight - 1) * scale
    }

    /// `text` with line breaks inserted so that no line is wider than `maxWidth` pixels at
    /// `scale`: breaks go at spaces where possible (the space is dropped), and a word longer
    /// than a line is split between characters. Existing line breaks are kept.
    public func wrapped(_ text: String, maxWidth: Int, scale: Int = 1) -> String {
        let perLine = max(1, (maxWidth / max(1, scale) + 1) / advance)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                var word = Substring(word)
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if candidate.count <= perLine {
                    line = candidate
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                while word.count > perLine {
                    lines.append(String(word.prefix(perLine)))
                    word = word.dropFirst(perLine)
                }
                line = String(word)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Draws `text` with its top-left at (x, y); `\n` starts a new line. Each glyph pixel becomes
    /// a `scale`×`scale` block of `color`. With `background`, the text's bounding box (plus
    /// `scale` pixels of margin) is filled first so labels stay readable on any image.
    /// Pixels outside the image are clipped.
    public func draw(_ text: String, on image: inout ByteImage, x: Int, y: Int, scale: Int = 1,
                     color: RGBColor = .white, background: RGBColor? = nil) {
        let s = max(1, scale)
        if let background {
            image.fillRect(x: x - s, y: y - s, width: width(of: text, scale: s) + 2 * s,
                           height: height(of: text, scale: s) + 2 * s, color: background)
        }
        var penX = x
        var penY = y
        for character in text {
            if character == "\n" {
                penX = x
                penY += lineHeight * s
                continue
            }
            let rows = glyphs[character] ?? fallback
            for gy in 0..<glyphHeight {
                let row = rows[gy]
                if row == 0 { continue }
                for gx in 0..<glyphWidth where row >> UInt8(glyphWidth - 1 - gx) & 1 == 1 {
                    image.fillRect(x: penX + gx * s, y: penY + gy * s, width: s, height: s, color: color)
                }
            }
            penX += advance * s
        }
    }
}
