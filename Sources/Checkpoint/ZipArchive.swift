import CZlib
import Foundation

/// A read-only ZIP archive over a memory-mapped file, as `torch.save` and `torch.jit.save` write them.
///
/// The central directory is the index: every entry's local header is checked against it and every
/// offset and size is bounds-checked before use. Stored entries are read in place from the mapping;
/// deflated ones are inflated into memory, never beyond their declared size or `limits`.
/// ZIP64, multi-disk and encrypted archives are refused with a clear error. (PyTorch writes a
/// ZIP64 end record into every archive, even small ones; it is ignored while the classic record's
/// fields are valid, and an archive that needs it, over 4 GiB, is refused.)
struct ZipArchive: Sendable {
    /// One file in the archive.
    struct Entry: Sendable {
        let name: String
        /// 0 stored, 8 deflated.
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        let crc32: UInt32
        /// Offset of the entry's (compressed) data in the file.
        let dataOffset: Int

        var isStored: Bool { method == 0 }
    }

    let path: String
    let file: MappedFile
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// Largest entry that will be inflated into memory (deflated entries only).
    static let maxInflatedSize = 1 << 32

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Whether the file starts like a ZIP archive (a local header or an empty archive's end record).
    static func looksLikeZip(_ file: MappedFile) -> Bool {
        guard file.count >= 4 else { return false }
        let sig = file.bytes(0..<4).loadUnaligned(as: UInt32.self)
        return UInt32(littleEndian: sig) == localSignature || UInt32(littleEndian: sig) == eocdSignature
    }

    /// Parses the central directory of `file` and validates every entry.
    init(file: MappedFile) throws {
        self.file = file
        path = file.path
        let path = file.path
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: "ZIP archive: " + reason) }
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: file.bytes(at..<(at + 2)).loadUnaligned(as: UInt16.self))) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: file.bytes(at..<(at + 4)).loadUnaligned(as: UInt32.self))) }

        // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
        let n = file.count
        guard n >= 22 else { throw corrupt("file is \(n) bytes, too short for an end-of-central-directory record (truncated?)") }
        var eocd = -1
        var at = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while at >= lowest {
            if u32(at) == Int(Self.eocdSignature), at + 22 + u16(at + 20) == n {
                eocd = at
                break
            }
            at -= 1
        }
        guard eocd >= 0 else { throw corrupt("no end-of-central-directory record (the file is truncated or not a ZIP archive)") }
        let disk = u16(eocd + 4), cdDisk = u16(eocd + 6)
        let entriesOnDisk = u16(eocd + 8), totalEntries = u16(eocd + 10)
        let cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16)
        if totalEntries == 0xFFFF || entriesOnDisk == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw CheckpointError.unsupportedFormat(
                path: path, reason: "ZIP64 archive (over 4 GiB or 65,535 entries) is not supported; save the weights as safetensors instead")
        }
        guard disk == 0, cdDisk == 0, entriesOnDisk == totalEntries else {
            throw CheckpointError.unsupportedFormat(path: path, reason: "multi-disk ZIP archives are not supported")
        }
        guard cdOffset <= eocd, cdSize <= eocd - cdOffset else {
            throw corrupt("central directory (offset \(cdOffset), \(cdSize) bytes) does not end before the end record at \(eocd)")
        }

        var list: [Entry] = []
        list.reserveCapacity(totalEntries)
        var names: [String: Int] = [:]
        var p = cdOffset
        let cdEnd = cdOffset + cdSize
        for i in 0..<totalEntries {
            guard p + 46 <= cdEnd else { throw corrupt("central directory ends inside entry \(i) of \(totalEntries)") }
            guard u32(p) == Int(Self.centralSignature) else { throw corrupt("bad signature for central directory entry \(i) at offset \(p)") }
            let flags = u16(p + 8), method = u16(p + 10)
            let crc = UInt32(u32(p + 16))
            let csize = u32(p + 20), usize = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            let localOffset = u32(p + 42)
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard p + recordLength <= cdEnd else { throw corrupt("central directory entry \(i) overruns the directory") }
            let name = String(decoding: file.bytes((p + 46)..<(p + 46 + nameLength)), as: UTF8.self)
            p += recordLength

            if csize == 0xFFFF_FFFF || usize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw CheckpointError.unsupportedFormat(
                    path: path, reason: "ZIP64 entry '\(name)' (over 4 GiB) is not supported; save the weights as safetensors instead")
            }
            guard flags & 1 == 0 else { throw CheckpointError.unsupportedFormat(path: path, reason: "entry '\(name)' is encrypted") }
            guard method == 0 || method == 8 else {
                throw CheckpointError.unsupportedFormat(path: path, reason: "entry '\(name)' uses ZIP compression method \(method) (only stored and deflate are supported)")
            }
            guard method != 0 || csize == usize else {
                throw corrupt("stored entry '\(name)' has compressed size \(csize) but uncompressed size \(usize)")
            }
            // The local header repeats the name and may carry its own extra field (PyTorch pads it
            // so that tensor data is 64-byte aligned); the data follows both.
            guard localOffset + 30 <= cdOffset else { throw corrupt("entry '\(name)' has local header offset \(localOffset) outside the data area") }
            guard u32(localOffset) == Int(Self.localSignature) else { throw corrupt("entry '\(name)' has no local header at offset \(localOffset)") }
            let localNameLength = u16(localOffset + 26), localExtraLength = u16(localOffset + 28)
            let dataOffset = localOffset + 30 + localNameLength + localExtraLength
            guard localNameLength == nameLength,
                dataOffset <= cdOffset,
                file.bytes((localOffset + 30)..<(localOffset + 30 + nameLength)).elementsEqual(file.bytes((p - recordLength + 46)..<(p - recordLength + 46 + nameLength)))
            else { throw corrupt("local header of entry '\(name)' does not match the central directory") }
            guard csize <= cdOffset - dataOffset else {
                throw corrupt("entry '\(name)' (\(csize) bytes at offset \(dataOffset)) runs past the data area (truncated?)")
            }
            guard names[name] == nil else { throw corrupt("entry '\(name)' appears twice") }
            names[name] = list.count
            list.append(Entry(name: name, method: UInt16(method), compressedSize: csize, uncompressedSize: usize, crc32: crc, dataOffset: dataOffset))
        }
        entries = list
        index = names
    }

    /// The entry called `name`, or nil.
    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// Calls `body` with the uncompressed bytes of `entry`: the mapping itself for a stored entry,
    /// an inflated buffer for a deflated one (checked against its CRC-32 and at most `limit` bytes).
    func withContents<R>(of entry: Entry, limit: Int = ZipArchive.maxInflatedSize, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let raw = file.bytes(entry.dataOffset..<(entry.dataOffset + entry.compressedSize))
        if entry.isStored { return try body(raw) }
        let bytes = try inflate(entry, raw, limit: limit)
        try checkCRC(entry, bytes)
        return try bytes.withUnsafeBytes { try body($0) }
    }

    /// A copy of the uncompressed bytes of `entry`, checked against its CRC-32.
    func contents(of entry: Entry, limit: Int) throws -> [UInt8] {
        guard entry.uncompressedSize <= limit else {
            throw CheckpointError.resourceLimit(path: path, reason: "entry '\(entry.name)' is \(entry.uncompressedSize) bytes, over the \(limit)-byte limit")
        }
        let raw = file.bytes(entry.dataOffset..<(entry.dataOffset + entry.compressedSize))
        let bytes = entry.isStored ? [UInt8](raw) : try inflate(entry, raw, limit: limit)
        try checkCRC(entry, bytes)
        return bytes
    }

    private func checkCRC(_ entry: Entry, _ bytes: [UInt8]) throws {
        let crc = bytes.withUnsafeBufferPointer { b -> UInt32 in
            var c: uLong = crc32(0, nil, 0)
            var offset = 0
            // zlib takes a 32-bit length; feed large buffers in pieces.
            while offset < b.count {
                let chunk = min(b.count - offset, 1 << 30)
                c = crc32(c, b.baseAddress! + offset, uInt(chunk))
                offset += chunk
            }
            return UInt32(truncatingIfNeeded: c)
        }
        guard crc == entry.crc32 else {
            throw CheckpointError.corrupt(path: path, reason: "ZIP entry '\(entry.name)' fails its CRC-32 check (stored \(String(entry.crc32, radix: 16)), computed \(String(crc, radix: 16)))")
        }
    }

    /// Inflates a raw deflate stream into exactly `entry.uncompressedSize` bytes.
    private func inflate(_ entry: Entry, _ raw: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        let expected = entry.uncompressedSize
        guard expected <= limit else {
            throw CheckpointError.resourceLimit(path: path, reason: "entry '\(entry.name)' inflates to \(expected) bytes, over the \(limit)-byte limit")
        }
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: "ZIP entry '\(entry.name)': " + reason) }
        // One spare byte lets a stream that inflates past its declared size be caught, not truncated.
        var out = [UInt8](repeating: 0, count: expected + 1)
        var stream = z_stream()
        // Negative window bits: a raw deflate stream without zlib header, as ZIP stores it.
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw corrupt("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var consumed = 0
        var finished = false
        try out.withUnsafeMutableBytes { dst in
            while true {
                let inChunk = min(raw.count - consumed, 1 << 30)
                let outChunk = min(dst.count - produced, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inChunk)
                stream.next_out = dst.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outChunk)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += inChunk - Int(stream.avail_in)
                produced += outChunk - Int(stream.avail_out)
                if status == Z_STREAM_END { finished = true; break }
                guard status == Z_OK else {
                    throw corrupt("deflate data is invalid (zlib status \(status))")
                }
                if produced > expected { break }
                // No progress with input left means the output is full; no input left means truncation.
                if inChunk - Int(stream.avail_in) == 0 && outChunk - Int(stream.avail_out) == 0 { break }
            }
        }
        guard produced <= expected else { throw corrupt("inflates to more than its declared \(expected) bytes") }
        guard finished, produced == expected else {
            throw corrupt("deflate stream ends after \(produced) of \(expected) bytes (truncated?)")
        }
        out.removeLast()
        return out
    }
}
