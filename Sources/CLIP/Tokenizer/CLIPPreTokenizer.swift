/// Splits cleaned text into the pieces BPE encodes, as CLIP's pattern does:
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// (case-insensitive), alternatives tried in that order at each position, whitespace skipped.
enum CLIPPreTokenizer {
    private static let specials: [[Unicode.Scalar]] = [
        Array(BPEVocabulary.startOfTextToken.unicodeScalars), Array(BPEVocabulary.endOfTextToken.unicodeScalars),
    ]
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    @inline(__always) static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    @inline(__always) static func isNumber(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("0"..."9").contains(c) }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Case-insensitive comparison of one scalar with a lower-case ASCII letter (simple case
    /// folding: the long s ſ folds to s, the Kelvin sign to k).
    @inline(__always) private static func matchesFolded(_ c: Unicode.Scalar, _ letter: Unicode.Scalar) -> Bool {
        if c == letter { return true }
        guard ("a"..."z").contains(letter) else { return false }
        if c.value == letter.value - 32 { return true }
        return (letter == "s" && c.value == 0x017F) || (letter == "k" && c.value == 0x212A)
    }

    /// The pieces of `s` as ranges of scalar indices.
    static func split(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let n = s.count
        var i = 0
        scan: while i < n {
            let c = s[i]
            if c == "<" {
                for special in specials where i + special.count <= n {
                    if zip(special, s[i..<i + special.count]).allSatisfy({ matchesFolded($1, $0) }) {
                        out.append(i..<i + special.count)
                        i += special.count
                        continue scan
                    }
                }
            }
            if c == "'" {
                for tail in contractions where i + 1 + tail.count <= n {
                    if zip(tail, s[i + 1..<i + 1 + tail.count]).allSatisfy({ matchesFolded($1, $0) }) {
                        out.append(i..<i + 1 + tail.count)
                        i += 1 + tail.count
                        continue scan
                    }
                }
            }
            if isLetter(c) {
                var k = i + 1
                while k < n && isLetter(s[k]) { k += 1 }
                out.append(i..<k)
                i = k
            } else if isNumber(c) {
                out.append(i..<i + 1)
                i += 1
            } else if CLIPTextCleaner.isPythonSpace(c) {
                i += 1
            } else {
                var k = i + 1
                while k < n && !isLetter(s[k]) && !isNumber(s[k]) && !CLIPTextCleaner.isPythonSpace(s[k]) { k += 1 }
                out.append(i..<k)
                i = k
            }
        }
        return out
    }
}
