import Foundation
import Tensor

/// Writes float32 tensors (and string metadata) as a `.safetensors` file.
///
/// The file is written to a temporary name beside `path` and renamed into place, so a crash
/// never leaves a half-written checkpoint under the final name.
public enum SafetensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            let bytes = t.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
        while (json.count % 8) != 0 { json.append(0x20) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors {
            t.data.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
        let tmp = path + ".partial-\(getpid())"
        do {
            try out.write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw CheckpointError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw CheckpointError.unwritable(path: path, reason: "\(error)")
        }
    }
}
