import Foundation
import Tensor

/// A memory-mapped `.safetensors` file.
///
/// Layout: 8-byte little-endian header length, a JSON header mapping names to
/// `{dtype, shape, data_offsets}` (plus an optional `__metadata__` of strings), then the data.
/// Tensors are decoded on request, so opening a large file costs one `mmap`.
public final class SafetensorsFile: @unchecked Sendable {
    // @unchecked: `base` points into `file`'s read-only mapping, which this object keeps alive.

    /// One entry of the header.
    public struct Entry: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let range: Range<Int>
    }

    public let path: String
    /// The `__metadata__` strings.
    public let metadata: [String: String]
    /// Entries in file order (by offset).
    public let entries: [Entry]
    private let byName: [String: Entry]
    private let file: MappedFile
    /// The first byte of the mapping.
    private let base: UnsafeRawPointer
    private let dataStart: Int

    /// Largest JSON header parsed (as the reference implementation caps it): real headers are
    /// tens of kilobytes, and the whole header is decoded into memory before any check.
    public static let maxHeaderBytes = 100_000_000

    /// Maps `path` and parses its header. Throws naming the file on any inconsistency.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses the header of an already mapped file.
    init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        let length = file.count
        guard length >= 8 else { throw CheckpointError.corrupt(path: path, reason: "file is \(length) bytes, shorter than the 8-byte header length") }
        let p = file.bytes(0..<length).baseAddress!
        base = p
        let declared = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Self.maxHeaderBytes) else {
            throw CheckpointError.resourceLimit(path: path, reason: "safetensors header of \(declared) bytes, over the limit of \(Self.maxHeaderBytes)")
        }
        let headerLength = Int(declared)
        guard headerLength > 0, headerLength <= length - 8 else {
            throw CheckpointError.corrupt(path: path, reason: "header length \(headerLength) does not fit a \(length)-byte file")
        }
        dataStart = 8 + headerLength
        let headerData = Data(bytes: p + 8, count: headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw CheckpointError.corrupt(path: path, reason: "header is not a JSON object")
        }
        var meta: [String: String] = [:]
        var list: [Entry] = []
        let dataLength = length - dataStart
        for (name, value) in json {
            if name == "__metadata__" {
                if let m = value as? [String: Any] {
                    for (k, v) in m { meta[k] = "\(v)" }
                }
                continue
            }
            guard let info = value as? [String: Any],
                let dtypeName = info["dtype"] as? String,
                let shapeValues = info["shape"] as? [Any],
                let offsetValues = info["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw CheckpointError.corrupt(path: path, reason: "malformed header entry for '\(name)'") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
            }
            let shape = shapeValues.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = offsetValues.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeValues.count, offsets.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.corrupt(path: path, reason: "non-integer shape or offsets for '\(name)'")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d)
                return (r.partialValue, acc.1 || r.overflow)
            }
            guard !overflow, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= dataLength,
                offsets[1] - offsets[0] == count * dtype.size
            else {
                throw CheckpointError.corrupt(path: path, reason: "tensor '\(name)' offsets \(offsets) do not match shape \(shape) \(dtypeName) in \(dataLength) data bytes")
            }
            list.append(Entry(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1]))
        }
        list.sort { $0.range.lowerBound < $1.range.lowerBound }
        entries = list
        metadata = meta
        byName = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    /// Names of every tensor, in file order.
    public var names: [String] { entries.map(\.name) }

    /// The header entry for `name`, or nil.
    public func entry(_ name: String) -> Entry? { byName[name] }

    /// The tensor `name`, upcast to float32.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = byName[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
        let count = e.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in
            if count > 0 { e.dtype.decode(UnsafeRawPointer(base + dataStart + e.range.lowerBound), count: count, into: dst.baseAddress!) }
        }
        return Tensor(shape: e.shape, data: out)
    }

    /// The integer tensor `name` (I64/I32/I16/I8/U8/BOOL), as Int.
    public func integers(_ name: String) throws -> (shape: [Int], values: [Int]) {
        guard let e = byName[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
        let count = e.shape.reduce(1, *)
        let raw = UnsafeRawPointer(base + dataStart + e.range.lowerBound)
        var values = [Int](repeating: 0, count: count)
        for i in 0..<count {
            switch e.dtype {
            case .int64: values[i] = Int(raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            case .int32: values[i] = Int(raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
            case .int16: values[i] = Int(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
            case .int8: values[i] = Int(raw.load(fromByteOffset: i, as: Int8.self))
            case .uint8, .bool: values[i] = Int(raw.load(fromByteOffset: i, as: UInt8.self))
            default: throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: e.dtype.rawValue + " (expected an integer type)")
            }
        }
        return (e.shape, values)
    }

    /// The scalar `name` (any dtype) as Double; float64 keeps its precision.
    public func scalar(_ name: String) throws -> Double {
        guard let e = byName[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
        guard e.shape.reduce(1, *) == 1 else {
            throw CheckpointError.shapeMismatch(path: path, name: name, expected: [], found: e.shape)
        }
        let raw = UnsafeRawPointer(base + dataStart + e.range.lowerBound)
        if e.dtype == .float64 { return raw.loadUnaligned(as: Double.self) }
        if [.int64, .int32, .int16, .int8, .uint8, .bool].contains(e.dtype) { return Double(try integers(name).values[0]) }
        return Double(try tensor(name).data[0])
    }

    /// The tensor `name` as float64 values (exact for F64, widened otherwise).
    public func doubles(_ name: String) throws -> (shape: [Int], values: [Double]) {
        guard let e = byName[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
        let count = e.shape.reduce(1, *)
        if e.dtype == .float64 {
            let raw = UnsafeRawPointer(base + dataStart + e.range.lowerBound)
            return (e.shape, (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) })
        }
        return (e.shape, try tensor(name).data.map(Double.init))
    }
}
