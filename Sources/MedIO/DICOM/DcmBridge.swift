import CDcmBridge

/// Thin Swift side of the `extern "C"` DCMTK bridge: turns status codes into `MedIOError` and
/// fixed-size C buffers into Swift values. Internal; the public API is `DicomHeader`,
/// `DicomFrames` and the series types.
enum DcmBridge {
    static let messageSize = Int(DCMBRIDGE_MESSAGE_SIZE)

    /// Runs a bridge call with a message buffer and maps a non-zero status to an error about `path`.
    static func call(_ path: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: messageSize)
        let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, messageSize) }
        if status == 0 { return }
        let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw error(status: status, path: path, reason: reason)
    }

    static func error(status: Int32, path: String, reason: String) -> MedIOError {
        switch UInt32(bitPattern: status) {
        case DCMBRIDGE_UNREADABLE.rawValue: return .unreadable(path: path, reason: reason)
        case DCMBRIDGE_INVALID.rawValue: return .invalid(path: path, reason: reason)
        case DCMBRIDGE_UNSUPPORTED.rawValue: return .unsupported(path: path, reason: reason)
        case DCMBRIDGE_NO_PIXEL_DATA.rawValue: return .invalid(path: path, reason: reason.isEmpty ? "no pixel data" : reason)
        case DCMBRIDGE_DECODE_FAILED.rawValue: return .decodeFailed(path: path, reason: reason)
        case DCMBRIDGE_NO_DICTIONARY.rawValue: return .environment(reason: reason)
        case DCMBRIDGE_BAD_ARGUMENT.rawValue: return .invalid(path: path, reason: "bad request: \(reason)")
        default: return .unreadable(path: path, reason: "bridge status \(status): \(reason)")
        }
    }

    /// A NUL-terminated C string stored in a fixed-size array (imported as a tuple).
    static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self).trimmingCharacters(in: " ")
        }
    }

    /// The doubles of a fixed-size C array (imported as a tuple).
    static func doubles<T>(_ tuple: T) -> [Double] {
        withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Double.self)) }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
