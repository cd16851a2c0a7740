import COpenSSL
import Foundation

/// SHA-256 of files, through OpenSSL (fast enough to hash ViT-L weights at start-up).
public enum FileDigest {
    /// Lowercase hex SHA-256 of the file at `path`, hashed straight from a read-only mapping (no
    /// copy into buffers: ViT-L's 1.7 GB hash in about OpenSSL's own speed, ≈ 1.2 s here).
    public static func sha256(path: String) throws -> String {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            throw CheckpointError.unreadable(path: path, reason: "cannot open for hashing: \(error)")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw CheckpointError.unreadable(path: path, reason: "OpenSSL digest context unavailable") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        file.adviseSequential()
        // In 64 MiB steps: EVP_DigestUpdate takes any length, but steps keep read-ahead streaming.
        let step = 64 << 20
        var offset = 0
        while offset < file.count {
            let bytes = file.bytes(offset..<min(file.count, offset + step))
            _ = EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count)
            offset += step
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

    /// Starts hashing the file at `path` on a thread of its own and returns at once; `wait()` gives
    /// the digest. Loaders hash the weights while they read them, on the other core.
    public static func sha256InBackground(path: String) -> PendingDigest {
        PendingDigest(path: path)
    }
}

/// A SHA-256 being computed on its own thread (see `FileDigest.sha256InBackground`).
public final class PendingDigest: @unchecked Sendable {
    // @unchecked: `result` is written once by the hashing thread before it signals `done`, and read
    // only after waiting on `done`.
    private var result: Result<String, CheckpointError>?
    private let done = DispatchSemaphore(value: 0)

    init(path: String) {
        let thread = Thread { [self] in
            do { result = .success(try FileDigest.sha256(path: path)) } catch let error as CheckpointError {
                result = .failure(error)
            } catch {
                result = .failure(.unreadable(path: path, reason: "\(error)"))
            }
            done.signal()
        }
        thread.name = "medvmad.sha256"
        thread.start()
    }

    /// Blocks until the digest is ready; lowercase hex, or the error hashing met.
    public func wait() throws(CheckpointError) -> String {
        done.wait()
        done.signal()  // later waits return at once
        return try result!.get()
    }
}
