import Foundation

/// Writes ZIP archives byte by byte the way PyTorch lays them out (stored entries, one top-level
/// folder), so that tests can craft good and hostile archives without Python.
struct ZipBuilder {
    struct Item {
        var name: String
        var data: [UInt8]
        /// When set, the entry is written with method 8 and these bytes as its deflate stream.
        var deflated: [UInt8]? = nil
        /// Overrides the declared uncompressed size.
        var declaredSize: Int? = nil
        /// Overrides the CRC-32.
        var crc: UInt32? = nil
    }

    var items: [Item] = []

    mutating func add(_ name: String, _ data: [UInt8]) { items.append(Item(name: name, data: data)) }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for item in items {
            let offset = out.count
            let payload = item.deflated ?? item.data
            let method: UInt16 = item.deflated == nil ? 0 : 8
            let crc = item.crc ?? Self.crc32(item.data)
            let usize = item.declaredSize ?? item.data.count
            let name = Array(item.name.utf8)
            out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0)
            out += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(usize)) + le16(UInt16(name.count)) + le16(0)
            out += name + payload
            central += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0)
            central += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(usize))
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(UInt32(offset))
            central += name
        }
        let cdOffset = out.count
        out += central
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(items.count)) + le16(UInt16(items.count))
        out += le32(UInt32(central.count)) + le32(UInt32(cdOffset)) + le16(0)
        return out
    }

    /// CRC-32 (IEEE, reflected), computed bit by bit: independent of the zlib the reader uses.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    /// A deflate stream made of "stored" blocks (no compression), valid input for any inflater.
    static func storedDeflate(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let n = min(65_535, data.count - start)
            let final: UInt8 = start + n == data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE = 00, then byte-aligned LEN / NLEN
            out += le16(UInt16(n)) + le16(~UInt16(n))
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        return out
    }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * $0)) & 0xFF) } }

/// Emits pickle opcodes (protocol 2, plus the protocol-4 ones named) for hand-built test pickles.
struct PickleBuilder {
    private(set) var bytes: [UInt8] = [0x80, 0x02]

    mutating func op(_ b: UInt8) { bytes.append(b) }
    mutating func mark() { op(0x28) }
    mutating func stop() { op(0x2E) }
    mutating func none() { op(0x4E) }
    mutating func bool(_ v: Bool) { op(v ? 0x88 : 0x89) }
    mutating func emptyDict() { op(0x7D) }
    mutating func emptyTuple() { op(0x29) }
    mutating func tuple() { op(0x74) }
    mutating func setItems() { op(0x75) }
    mutating func setItem() { op(0x73) }
    mutating func reduce() { op(0x52) }
    mutating func build() { op(0x62) }
    mutating func newObj() { op(0x81) }
    mutating func binPersId() { op(0x51) }
    mutating func put(_ i: UInt8) { op(0x71); op(i) }
    mutating func get(_ i: UInt8) { op(0x68); op(i) }

    mutating func int(_ v: Int) {
        if v >= 0 && v < 256 { op(0x4B); op(UInt8(v)) }
        else if v >= 0 && v < 65_536 { op(0x4D); bytes += le16(UInt16(v)) }
        else if v >= Int(Int32.min) && v <= Int(Int32.max) { op(0x4A); bytes += le32(UInt32(bitPattern: Int32(v))) }
        else { op(0x8A); op(8); bytes += le64(UInt64(bitPattern: Int64(v))) }
    }

    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        op(0x58)
        bytes += le32(UInt32(u.count)) + u
    }

    /// SHORT_BINUNICODE (protocol 4).
    mutating func shortString(_ s: String) {
        let u = Array(s.utf8)
        op(0x8C)
        op(UInt8(u.count))
        bytes += u
    }

    mutating func global(_ module: String, _ name: String) {
        op(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    mutating func ints(_ values: [Int]) {
        mark()
        for v in values { int(v) }
        tuple()
    }

    /// A complete pickle of `{name: tensor}`.
    static func oneTensorDict(_ name: String, storageType: String, key: String, numel: Int, offset: Int = 0,
                              shape: [Int], strides: [Int]) -> PickleBuilder {
        var p = PickleBuilder()
        p.emptyDict()
        p.string(name)
        p.tensor(storageType: storageType, key: key, numel: numel, offset: offset, shape: shape, strides: strides)
        p.setItem()
        p.stop()
        return p
    }

    /// `_rebuild_tensor_v2(('storage', torch.<storageType>, key, 'cpu', numel), offset, shape, strides, False, OrderedDict())`.
    mutating func tensor(storageType: String, key: String, numel: Int, offset: Int = 0, shape: [Int], strides: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", storageType)
        string(key)
        string("cpu")
        int(numel)
        tuple()
        binPersId()
        int(offset)
        ints(shape)
        ints(strides)
        bool(false)
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        tuple()
        reduce()
    }
}

/// Row-major strides of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        s[d] = acc
        acc *= shape[d]
    }
    return s
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v.littleEndian >> (8 * $0)) } }
}

func float32Bytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }
func float16Bytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map { Float16($0).bitPattern }) }
