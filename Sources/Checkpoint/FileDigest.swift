import COpenSSL
import Foundation

/// SHA-256 of files, through OpenSSL (fast enough to hash ViT-L weights at start-up).
public enum FileDigest {
    /// Lowercase hex SHA-256 of the file at `path`, read in 8 MiB chunks.
    public static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "cannot open for hashing")
        }
        defer { try? handle.close() }
        guard let ctx = EVP_MD_CTX_new() else { throw CheckpointError.unreadable(path: path, reason: "OpenSSL digest context unavailable") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 8 << 20) ?? Data() } catch {
                throw CheckpointError.unreadable(path: path, reason: "read failed while hashing: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out.prefix(Int(len)).map { String(format: "%02x", $0) }.joined()
    }

    /// Lowercase hex SHA-256 of bytes.
    public static func sha256(_ data: Data) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        data.withUnsafeBytes { _ = EVP_Digest($0.baseAddress, $0.count, &out, &len, EVP_sha256(), nil) }
        return out.prefix(Int(len)).map { String(format: "%02x", $0) }.joined()
    }
}
