import CZlib
import Foundation

/// Decompresses gzip (or zlib) data with zlib's inflate.
enum Gunzip {
    /// The decompressed bytes of `data`; `path` only names the source in errors. With
    /// `stopAfterLines`, decompression ends early once that many `\n` have been produced (the
    /// tokenizer needs only the first fifth of its merges file).
    static func decompress(_ data: [UInt8], path: String, stopAfterLines: Int? = nil) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: accept both gzip and zlib headers.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CLIPTokenizerError.corruptArchive(path: path, reason: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        out.reserveCapacity(data.count * 3)
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var status: Int32 = Z_OK
        var lines = 0
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = uInt(buf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                out.append(contentsOf: chunk[0..<produced])
                if let limit = stopAfterLines {
                    lines += chunk.withUnsafeBufferPointer { Gunzip.countNewlines(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
                    if lines >= limit { break }
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw CLIPTokenizerError.corruptArchive(path: path, reason: "data ends before the end of the compressed stream")
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                    throw CLIPTokenizerError.corruptArchive(path: path, reason: message)
                }
            } while status != Z_STREAM_END
        }
        return out
    }

    /// Number of `\n` bytes, found with `memchr` (a byte loop is slow in debug builds).
    static func countNewlines(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        guard var p = UnsafeRawPointer(buffer.baseAddress) else { return 0 }
        let end = p + buffer.count
        var n = 0
        while p < end, let hit = memchr(p, 0x0A, end - p) {
            n += 1
            p = UnsafeRawPointer(hit) + 1
        }
        return n
    }
}
