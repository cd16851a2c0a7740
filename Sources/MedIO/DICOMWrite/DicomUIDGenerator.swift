import CDcmBridge

/// Makes the UIDs of written objects: reproducible ones for tests and re-runs, or unique ones.
public struct DicomUIDGenerator: Sendable {
    enum Mode: Sendable {
        case deterministic(root: String, seed: String)
        case unique(root: String?)
    }

    let mode: Mode

    /// UIDs derived from SHA-256 of root, seed, purpose and index: the same inputs always give
    /// the same UID. `root` must leave at least 20 digits of the 64 characters for the hash.
    public static func deterministic(root: String, seed: String) throws -> DicomUIDGenerator {
        try validateRoot(root)
        guard root.count <= 64 - 1 - minimumSuffixDigits else {
            throw DicomWriteError.invalidUIDRoot(
                root: root, reason: "leaves fewer than \(minimumSuffixDigits) digits for the hash suffix")
        }
        return DicomUIDGenerator(mode: .deterministic(root: root, seed: seed))
    }

    /// New UIDs from DCMTK's generator (host, process, time and a counter) under the
    /// organisation's `root`, or DCMTK's own root when nil.
    public static func unique(root: String? = nil) throws -> DicomUIDGenerator {
        if let root {
            try validateRoot(root)
            guard root.count <= 40 else { throw DicomWriteError.invalidUIDRoot(root: root, reason: "longer than 40 characters") }
        }
        return DicomUIDGenerator(mode: .unique(root: root))
    }

    /// ~66 bits of hash at least: collisions stay negligible across any realistic archive.
    static let minimumSuffixDigits = 20

    /// A UID for the `index`th object serving `purpose` (e.g. "series/sc", "instance/<series uid>").
    public func uid(purpose: String, index: Int = 0) -> String {
        switch mode {
        case let .deterministic(root, seed):
            // NUL separators keep ("a","bc") and ("ab","c") apart.
            let message = Array("\(root)\u{0}\(seed)\u{0}\(purpose)\u{0}\(index)".utf8)
            let digest = SHA256Digest.hash(message)
            let digits = Self.decimal(of: Array(digest.prefix(16)))
            let room = 64 - root.count - 1
            return root + "." + String(digits.prefix(room))
        case let .unique(root):
            var buffer = [CChar](repeating: 0, count: 80)
            let rc = buffer.withUnsafeMutableBufferPointer { out in
                if let root { return root.withCString { dcmw_generate_uid($0, out.baseAddress, out.count) } }
                return dcmw_generate_uid(nil, out.baseAddress, out.count)
            }
            // The bridge fails only for a too-small buffer, which this one is not.
            precondition(rc == 0, "dcmw_generate_uid rejected an 80-byte buffer")
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    /// Checks UID syntax (PS3.5 9.1): digits and dots, no empty component, no leading zero
    /// except a lone "0", at most 64 characters.
    public static func isValidUID(_ uid: String) -> Bool {
        guard !uid.isEmpty, uid.utf8.count <= 64 else { return false }
        for component in uid.split(separator: ".", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            if component.count > 1 && component.first == "0" { return false }
        }
        return true
    }

    static func validateRoot(_ root: String) throws {
        guard isValidUID(root) else {
            throw DicomWriteError.invalidUIDRoot(root: root, reason: "not a UID (digits and dots, no leading zeros)")
        }
    }

    /// Big-endian bytes as a decimal number without leading zeros ("0" for zero).
    static func decimal(of bytes: [UInt8]) -> String {
        var number = bytes.drop(while: { $0 == 0 }).map { UInt32($0) }
        var digits: [UInt8] = []
        while !number.isEmpty {
            var remainder: UInt32 = 0
            var quotient: [UInt32] = []
            for byte in number {
                let value = remainder << 8 | byte
                let q = value / 10
                remainder = value % 10
                if !(quotient.isEmpty && q == 0) { quotient.append(q) }
            }
            digits.append(UInt8(remainder) + 0x30)
            number = quotient
        }
        if digits.isEmpty { return "0" }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}
