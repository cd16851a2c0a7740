/// Opens model weights in whatever format a user holds them, without Python.
///
/// The format is recognised from the file's first bytes, never from its extension:
/// - a safetensors header → `SafetensorsFile`;
/// - a ZIP archive → `torch.save` (≥ 1.6) or `torch.jit.save` archive, read by a restricted
///   unpickler that executes nothing and refuses any global outside a small allowlist;
/// - a bare pickle or tar stream → the legacy `torch.save` format, refused with advice to re-save.
public enum CheckpointArchive {
    /// Opens `path`, parses its index and validates every tensor's extent. Tensor data is decoded
    /// later, on request, from a memory mapping.
    public static func open(path: String, limits: PickleLimits = .standard) throws -> LoadedCheckpoint {
        let file = try MappedFile(path: path)
        switch try detect(file) {
        case .safetensors:
            return LoadedCheckpoint(path: path, source: .safetensors(try SafetensorsFile(file: file)))
        case .torchZip, .torchScript:
            return LoadedCheckpoint(path: path, source: .torch(try TorchArchive(file: file, limits: limits)))
        }
    }

    /// The format of `path` judged from its first bytes (a PyTorch ZIP archive reports `.torchZip`
    /// here; telling TorchScript apart needs its pickle, which `open` reads).
    public static func format(path: String) throws -> CheckpointFormat {
        try detect(try MappedFile(path: path))
    }

    /// The magic number `torch.save` put first in its pickle stream before PyTorch 1.6.
    private static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func detect(_ file: MappedFile) throws -> CheckpointFormat {
        let path = file.path
        guard file.count > 0 else { throw CheckpointError.corrupt(path: path, reason: "the file is empty") }
        let head = [UInt8](file.bytes(0..<min(file.count, 512)))
        if ZipArchive.looksLikeZip(file) { return .torchZip }
        let advice = "re-save it with torch>=1.6 (torch.save(torch.load(f), f2)) or convert it to safetensors"
        if head.starts(with: legacyMagic) {
            throw CheckpointError.unsupportedFormat(path: path, reason: "legacy torch.save format from before PyTorch 1.6 (pickle with magic number, not a ZIP archive); " + advice)
        }
        if head.count >= 262, head[257..<262].elementsEqual("ustar".utf8) {
            throw CheckpointError.unsupportedFormat(path: path, reason: "legacy tar-based torch.save format; " + advice)
        }
        if head[0] == 0x80, head.count >= 2, head[1] <= 5 {
            throw CheckpointError.unsupportedFormat(path: path, reason: "a bare pickle stream, not a ZIP archive (legacy torch.save format?); " + advice)
        }
        if head.count >= 9 {
            var length: UInt64 = 0
            for i in 0..<8 { length |= UInt64(head[i]) << (8 * UInt64(i)) }
            if length > 1, length <= UInt64(file.count - 8), head[8] == UInt8(ascii: "{") { return .safetensors }
        }
        if head.starts(with: [0x50, 0x4B]) {
            throw CheckpointError.corrupt(path: path, reason: "starts like a ZIP archive but has no valid local header")
        }
        let shown = head.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        throw CheckpointError.unsupportedFormat(
            path: path, reason: "not a safetensors file, a PyTorch ZIP archive or a legacy pickle (first bytes \(shown))")
    }
}
