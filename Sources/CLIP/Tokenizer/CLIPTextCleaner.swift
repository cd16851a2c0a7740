import Foundation

/// The text normalisation OpenAI's CLIP tokenizer applies before splitting:
/// `whitespace_clean(basic_clean(text)).lower()`, i.e. `ftfy.fix_text`, `html.unescape` twice,
/// strip, runs of whitespace → one space, strip, lower-case.
///
/// ftfy is emulated for well-formed text. Implemented, in ftfy 6.3's order and repeated per line
/// until nothing changes: ftfy's own HTML unescaping (`&name;`/numeric references only, skipped
/// once a line holds `<`), C1 controls read as Windows-1252, Latin ligatures (ﬁ → fi, Ĳ → IJ, …),
/// half/full-width forms (U+FF01–U+FFEF → their NFKC form, U+3000 → space), curly quotes →
/// straight, line breaks → `\n`, ANSI terminal escapes removed, control characters removed
/// (U+0000–0008, 000B, 000E–001F, 007F, 206A–206F, FEFF, FFF9–FFFC), NFC.
///
/// Not implemented: ftfy's mojibake repair (`fix_encoding`: text that was UTF-8 decoded as
/// Latin-1/Windows-1252 and similar, e.g. "cafÃ©" → "café", plus its `restore_byte_a0`,
/// `replace_lossy_sequences` and `decode_inconsistent_utf8` parts) and its 1,000,000-character
/// segment limit. Such text is tokenized as it stands, so ids differ from the reference only for
/// text that ftfy would consider mojibake. Lone surrogates (which ftfy replaces) cannot occur in
/// a Swift string.
public enum CLIPTextCleaner {
    /// The cleaned, lower-cased text.
    public static func clean(_ text: String) -> String {
        var s = fixText(Array(text.unicodeScalars))
        s = HTMLUnescaper.unescape(HTMLUnescaper.unescape(s))
        s = collapseWhitespace(s)
        return String(String.UnicodeScalarView(pythonLower(s)))
    }

    // MARK: ftfy emulation

    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var unescapeHTML = true
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != "\n" { end += 1 }
            if end < text.count { end += 1 }  // the segment keeps its line break
            var segment = Array(text[start..<end])
            if unescapeHTML && segment.contains("<") { unescapeHTML = false }  // looks like HTML: leave entities
            while true {
                let original = segment
                if unescapeHTML { segment = HTMLUnescaper.ftfyUnescape(segment) }
                segment = fixC1Controls(segment)
                segment = segment.flatMap { ligatures[$0] ?? [$0] }
                segment = segment.flatMap { widthMap[$0] ?? [$0] }
                segment = uncurlQuotes(segment)
                segment = fixLineBreaks(segment)
                segment = removeTerminalEscapes(segment)
                segment = segment.filter { !isRemovedControl($0) }
                segment = nfc(segment)
                if segment == original { break }
            }
            out += segment
            start = end
        }
        return out
    }

    /// C1 controls U+0080–U+009F as the Windows-1252 characters of those bytes (bytes that
    /// Windows-1252 leaves undefined stay as they are), the table `html.unescape` also uses.
    static func fixC1Controls(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        s.map { c in
            guard (0x80...0x9F).contains(c.value) else { return c }
            return HTMLUnescaper.tables.invalidCharrefs[c.value] ?? c
        }
    }

    static let ligatures: [Unicode.Scalar: [Unicode.Scalar]] = {
        let table: [(UInt32, String)] = [
            (0x0132, "IJ"), (0x0133, "ij"), (0x0149, "\u{02BC}n"), (0x01F1, "DZ"), (0x01F2, "Dz"), (0x01F3, "dz"),
            (0x01C4, "D\u{017D}"), (0x01C5, "D\u{017E}"), (0x01C6, "d\u{017E}"), (0x01C7, "LJ"), (0x01C8, "Lj"),
            (0x01C9, "lj"), (0x01CA, "NJ"), (0x01CB, "Nj"), (0x01CC, "nj"), (0xFB00, "ff"), (0xFB01, "fi"),
            (0xFB02, "fl"), (0xFB03, "ffi"), (0xFB04, "ffl"), (0xFB05, "\u{017F}t"), (0xFB06, "st"),
        ]
        var out: [Unicode.Scalar: [Unicode.Scalar]] = [:]
        for (code, text) in table { out[Unicode.Scalar(code)!] = Array(text.unicodeScalars) }
        return out
    }()

    /// Half- and full-width forms → their compatibility (NFKC) form; ideographic space → space.
    static let widthMap: [Unicode.Scalar: [Unicode.Scalar]] = {
        var out: [Unicode.Scalar: [Unicode.Scalar]] = [Unicode.Scalar(0x3000)!: [" "]]
        for code in UInt32(0xFF01)..<0xFFF0 {
            guard let c = Unicode.Scalar(code) else { continue }
            let alternate = Array(String(Character(c)).precomposedStringWithCompatibilityMapping.unicodeScalars)
            if alternate != [c] { out[c] = alternate }
        }
        return out
    }()

    static func uncurlQuotes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        s.map { c in
            switch c.value {
            case 0x02BC, 0x2018...0x201B: return "'"
            case 0x201C...0x201F: return "\""
            default: return c
            }
        }
    }

    static func fixLineBreaks(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\r" && i + 1 < s.count && s[i + 1] == "\n" {
                out.append("\n")
                i += 2
                continue
            }
            switch c.value {
            case 0x0D, 0x2028, 0x2029, 0x85: out.append("\n")
            default: out.append(c)
            }
            i += 1
        }
        return out
    }

    /// Removes `ESC [ (digit | ;)* letter` (ftfy's ANSI pattern; `\d` is any decimal digit).
    static func removeTerminalEscapes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("\u{1B}") else { return s }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var k = i + 2
                while k < s.count && (s[k] == ";" || s[k].properties.generalCategory == .decimalNumber) { k += 1 }
                if k < s.count, s[k].isASCII, s[k].properties.isAlphabetic {
                    i = k + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    static func isRemovedControl(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    static func nfc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Below U+0300 every character is already NFC and none is a composition's second part.
        if s.allSatisfy({ $0.value < 0x300 }) { return s }
        return Array(String(String.UnicodeScalarView(s)).precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    // MARK: Python string semantics

    /// Python's `str.isspace()`, which is also what `\s` and `strip()` use for `str`.
    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `re.sub(r'\s+', ' ', text).strip()` (the earlier strip is subsumed).
    static func collapseWhitespace(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var pendingSpace = false
        for c in s {
            if isPythonSpace(c) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(c)
            }
        }
        return out
    }

    /// Python's `str.lower()`: full lower-case mappings, with capital sigma becoming final sigma
    /// (ς) after a cased letter when no cased letter follows (case-ignorable characters skipped).
    static func pythonLower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.isASCII {
                out.append(("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c)
            } else if c.value == 0x03A3 {
                out.append(isFinalSigma(s, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    private static func isFinalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return j == s.count || !s[j].properties.isCased
    }
}
