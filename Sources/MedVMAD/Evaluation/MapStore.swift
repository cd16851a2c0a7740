import Foundation

/// One model's anomaly maps (float32) and masks (uint8) on disk, appended image by image and read
/// back in the same order.
///
/// The AUPRO threshold grid needs the range of every map before the second pass can count, and
/// rerunning the model for that pass would double the cost of an evaluation. So the first pass
/// stores each map once, in native byte order, in a temporary folder that `Evaluator` removes;
/// memory stays at one image however large the set (336² floats are 450 KB per slice on disk).
final class MapStore {
    let mapPath: String
    let maskPath: String
    let plane: Int
    private(set) var count = 0
    private var mapHandle: FileHandle?
    private var maskHandle: FileHandle?

    init(directory: String, name: String, plane: Int) throws {
        mapPath = (directory as NSString).appendingPathComponent("\(name).maps.f32")
        maskPath = (directory as NSString).appendingPathComponent("\(name).masks.u8")
        self.plane = plane
        for p in [mapPath, maskPath] {
            guard FileManager.default.createFile(atPath: p, contents: nil) else {
                throw MedVMADError.ioFailure(path: p, reason: "cannot create a temporary map file")
            }
        }
        mapHandle = FileHandle(forWritingAtPath: mapPath)
        maskHandle = FileHandle(forWritingAtPath: maskPath)
        guard mapHandle != nil, maskHandle != nil else {
            throw MedVMADError.ioFailure(path: mapPath, reason: "cannot open a temporary map file for writing")
        }
    }

    deinit {
        try? mapHandle?.close()
        try? maskHandle?.close()
    }

    /// Appends one image (`plane` values each).
    func append(map: [Float], mask: [UInt8]) throws {
        guard let mapHandle, let maskHandle, map.count == plane, mask.count == plane else {
            throw MedVMADError.ioFailure(path: mapPath, reason: "map store is closed or got \(map.count) values for a plane of \(plane)")
        }
        do {
            try mapHandle.write(contentsOf: map.withUnsafeBufferPointer { Data(buffer: $0) })
            try maskHandle.write(contentsOf: Data(mask))
        } catch {
            throw MedVMADError.ioFailure(path: mapPath, reason: "cannot write a temporary map: \(error.localizedDescription)")
        }
        count += 1
    }

    /// Ends writing; reading may start.
    func finishWriting() throws {
        try mapHandle?.close()
        try maskHandle?.close()
        mapHandle = nil
        maskHandle = nil
    }

    /// Calls `body` with every stored (map, mask), in order; one image in memory at a time.
    func forEach(_ body: (_ index: Int, _ map: [Float], _ mask: [UInt8]) throws -> Void) throws {
        guard let maps = FileHandle(forReadingAtPath: mapPath), let masks = FileHandle(forReadingAtPath: maskPath) else {
            throw MedVMADError.ioFailure(path: mapPath, reason: "cannot reopen the temporary map file")
        }
        defer {
            try? maps.close()
            try? masks.close()
        }
        var map = [Float](repeating: 0, count: plane)
        for i in 0..<count {
            guard let m = try maps.read(upToCount: plane * 4), m.count == plane * 4,
                  let k = try masks.read(upToCount: plane), k.count == plane
            else { throw MedVMADError.ioFailure(path: mapPath, reason: "temporary map file ended at image \(i) of \(count)") }
            map.withUnsafeMutableBytes { _ = m.copyBytes(to: $0) }
            try body(i, map, [UInt8](k))
        }
    }

    /// Every map and mask, concatenated (for the in-memory exact AUPRO).
    func readAll() throws -> (maps: [Float], masks: [UInt8]) {
        var maps: [Float] = [], masks: [UInt8] = []
        maps.reserveCapacity(count * plane)
        masks.reserveCapacity(count * plane)
        try forEach { _, m, k in
            maps += m
            masks += k
        }
        return (maps, masks)
    }
}
