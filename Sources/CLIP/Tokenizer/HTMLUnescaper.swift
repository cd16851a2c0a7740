/// HTML character-reference decoding as Python's `html.unescape` does it, and the stricter variant
/// ftfy applies first. Both work on Unicode scalars, as Python strings do.
enum HTMLUnescaper {
    struct Tables: Sendable {
        /// WHATWG names (some with, some without the trailing semicolon) → replacement.
        let named: [String: [Unicode.Scalar]]
        let invalidCharrefs: [UInt32: Unicode.Scalar]
        let invalidCodepoints: Set<UInt32>
        /// ftfy's table: "&name;" for every name ending in ';', plus upper-case spellings of
        /// lower-case names when those are not entities themselves.
        let ftfyEntities: [String: [Unicode.Scalar]]
    }

    static let tables: Tables = {
        var named: [String: [Unicode.Scalar]] = [:]
        for line in HTMLEntityTable.named.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2 else { continue }
            named[String(fields[0])] = fields[1].split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
        }
        var charrefs: [UInt32: Unicode.Scalar] = [:]
        for item in HTMLEntityTable.invalidCharrefs.split(separator: " ") {
            let kv = item.split(separator: "=")
            if kv.count == 2, let k = UInt32(kv[0], radix: 16), let v = UInt32(kv[1], radix: 16).flatMap(Unicode.Scalar.init) {
                charrefs[k] = v
            }
        }
        let codepoints = Set(HTMLEntityTable.invalidCodepoints.split(separator: " ").compactMap { UInt32($0, radix: 16) })
        let base = Tables(named: named, invalidCharrefs: charrefs, invalidCodepoints: codepoints, ftfyEntities: [:])
        var ftfy: [String: [Unicode.Scalar]] = [:]
        for (name, value) in named where name.hasSuffix(";") {
            ftfy["&" + name] = value
        }
        for (name, value) in named where name.hasSuffix(";") && name == name.lowercased() {
            let upper = "&" + name.uppercased()
            if unescape(Array(upper.unicodeScalars), tables: base) == Array(upper.unicodeScalars) {
                ftfy[upper] = Array(String(String.UnicodeScalarView(value)).uppercased().unicodeScalars)
            }
        }
        return Tables(named: named, invalidCharrefs: charrefs, invalidCodepoints: codepoints, ftfyEntities: ftfy)
    }()

    /// Python's `html.unescape`.
    static func unescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] { unescape(text, tables: tables) }

    @inline(__always) private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    @inline(__always) private static func isHexDigit(_ c: Unicode.Scalar) -> Bool {
        isDigit(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c)
    }

    private static func unescape(_ a: [Unicode.Scalar], tables: Tables) -> [Unicode.Scalar] {
        guard a.contains("&") else { return a }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(a.count)
        let n = a.count
        var i = 0
        while i < n {
            guard a[i] == "&", i + 1 < n else {
                out.append(a[i])
                i += 1
                continue
            }
            let j = i + 1
            if a[j] == "#" {
                // `#[0-9]+;?` then `#[xX][0-9a-fA-F]+;?`
                var k = j + 1
                var radix: UInt32 = 10
                if k < n, a[k] == "x" || a[k] == "X" {
                    radix = 16
                    k += 1
                }
                let digitsStart = k
                while k < n && (radix == 10 ? isDigit(a[k]) : isHexDigit(a[k])) { k += 1 }
                if radix == 16 && k == digitsStart {
                    out.append(a[i])
                    i += 1
                    continue
                }
                if radix == 10 && k == digitsStart {
                    out.append(a[i])
                    i += 1
                    continue
                }
                var value: UInt64 = 0
                for d in a[digitsStart..<k] {
                    let digit = UInt64(isDigit(d) ? d.value - 48 : (d.value | 0x20) - 87)
                    value = min(value * UInt64(radix) + digit, 0x1_0000_0000)  // saturate: anything this big is invalid
                }
                let end = (k < n && a[k] == ";") ? k + 1 : k
                out.append(contentsOf: numericReplacement(value, tables: tables))
                i = end
                continue
            }
            // `[^\t\n\f <&#;]{1,32};?`
            var k = j
            while k < n && k - j < 32 && !"\t\n\u{0C} <&#;".unicodeScalars.contains(a[k]) { k += 1 }
            if k == j {
                out.append(a[i])
                i += 1
                continue
            }
            let end = (k < n && a[k] == ";") ? k + 1 : k
            let name = Array(a[j..<end])
            out.append(contentsOf: namedReplacement(name, tables: tables))
            i = end
        }
        return out
    }

    private static func numericReplacement(_ value: UInt64, tables: Tables) -> [Unicode.Scalar] {
        if value <= UInt64(UInt32.max), let replacement = tables.invalidCharrefs[UInt32(value)] { return [replacement] }
        if (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { return ["\u{FFFD}"] }
        if tables.invalidCodepoints.contains(UInt32(value)) { return [] }
        return [Unicode.Scalar(UInt32(value))!]
    }

    private static func namedReplacement(_ name: [Unicode.Scalar], tables: Tables) -> [Unicode.Scalar] {
        if let value = tables.named[String(String.UnicodeScalarView(name))] { return value }
        // The longest prefix (at least 2 characters) that is an entity, followed by the rest.
        var x = name.count - 1
        while x > 1 {
            if let value = tables.named[String(String.UnicodeScalarView(name[0..<x]))] {
                return value + name[x...]
            }
            x -= 1
        }
        return ["&"] + name
    }

    /// ftfy's `unescape_html`: only `&#?[0-9A-Za-z]{1,24};` references, decoded when they are
    /// in ftfy's table or are numeric references that `html.unescape` decodes completely.
    static func ftfyUnescape(_ a: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard a.contains("&") else { return a }
        let tables = self.tables
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(a.count)
        let n = a.count
        var i = 0
        while i < n {
            if a[i] == "&" {
                var k = i + 1
                if k < n && a[k] == "#" { k += 1 }
                let start = k
                while k < n && k - start < 24 && a[k].isASCII && (a[k].properties.isAlphabetic || isDigit(a[k])) { k += 1 }
                if k > start && k < n && a[k] == ";" {
                    let match = Array(a[i...k])
                    let key = String(String.UnicodeScalarView(match))
                    if let value = tables.ftfyEntities[key] {
                        out.append(contentsOf: value)
                    } else if a[i + 1] == "#" {
                        let decoded = unescape(match, tables: tables)
                        out.append(contentsOf: decoded.contains(";") ? match : decoded)
                    } else {
                        out.append(contentsOf: match)
                    }
                    i = k + 1
                    continue
                }
            }
            out.append(a[i])
            i += 1
        }
        return out
    }
}
