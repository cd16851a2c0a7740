/// Turns names taken from input files (Study and Series Instance UIDs, keys) into folder names that
/// stay inside the output folder on every file system.
///
/// DICOM attributes are whatever the sending device wrote: a UID may hold `../`, `/`, NUL, control
/// characters, thousands of bytes or a Windows device name. A component made here is one plain
/// folder name of ASCII letters, digits, `.`, `-` and `_` that never starts with a dot (so it is
/// never `.`, `..` or hidden), never ends with a dot, is at most `maximumLength` characters plus a
/// hash and is never a Windows reserved device name. Well-formed UIDs (digits and dots, ≤ 64
/// characters) pass unchanged; any name that had to be changed gets a hash of the original
/// appended, so two different originals never share a folder (a shared folder would let one job
/// empty another's outputs).
public enum OutputPathName {
    /// Characters kept from the original before the hash.
    public static let maximumLength = 64

    /// Device names Windows reserves in any folder, with or without an extension.
    static let reserved = Set(["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"] + (0...9).flatMap { ["COM\($0)", "LPT\($0)"] })

    /// One safe folder name for `raw`.
    public static func component(_ raw: String) -> String {
        var characters = raw.unicodeScalars.map { scalar -> Character in
            Self.isKept(scalar) ? Character(scalar) : "_"
        }
        if characters.first == "." { characters[0] = "_" }
        if characters.last == "." { characters[characters.count - 1] = "_" }
        var name = String(characters.prefix(maximumLength))
        let stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
        if reserved.contains(stem.uppercased()) { name = "_" + name }
        if name.isEmpty { name = "_" }
        return name == raw ? name : name + "-" + hash(raw)
    }

    /// A relative path of one safe component per part.
    public static func path(_ parts: [String]) -> String {
        parts.map(component).joined(separator: "/")
    }

    static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": return true
        default: return false
        }
    }

    /// 64-bit FNV-1a of the UTF-8 bytes as 16 hex digits: stable across runs and platforms (a folder
    /// name must not change between runs), not a security measure.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
