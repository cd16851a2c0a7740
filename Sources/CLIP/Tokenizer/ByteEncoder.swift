/// The reversible byte → character alphabet of byte-level BPE (GPT-2/CLIP `bytes_to_unicode`):
/// printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100 onwards, so every
/// byte string becomes a string without whitespace or control characters.
enum ByteEncoder {
    /// The character of each byte, in the order the vocabulary lists them: first the bytes that
    /// stand for themselves ("!"…"~", "¡"…"¬", "®"…"ÿ"), then the rest in byte order.
    static let characters: [Character] = orderedBytes.map { Character(scalar(for: $0)) }

    /// Bytes in vocabulary order.
    static let orderedBytes: [UInt8] = {
        let kept = (0...255).filter { standsForItself(UInt8($0)) }.map { UInt8($0) }
        let rest = (0...255).filter { !standsForItself(UInt8($0)) }.map { UInt8($0) }
        return kept + rest
    }()

    /// The byte each alphabet scalar stands for (inverse mapping), indexed by scalar value < 0x200.
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x200)
        for b in 0...255 { table[Int(scalar(for: UInt8(b)).value)] = Int16(b) }
        return table
    }()

    static func standsForItself(_ b: UInt8) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// The alphabet scalar of byte `b`.
    static func scalar(for b: UInt8) -> Unicode.Scalar {
        if standsForItself(b) { return Unicode.Scalar(b) }
        // Bytes that do not stand for themselves take U+0100 + their rank among such bytes.
        var rank = 0
        for x in 0..<Int(b) where !standsForItself(UInt8(x)) { rank += 1 }
        return Unicode.Scalar(UInt32(0x100 + rank))!
    }

    static func character(for b: UInt8) -> Character { Character(scalar(for: b)) }
}
