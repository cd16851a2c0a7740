/// Element types found in checkpoints. Floating types are upcast to float32 on load.
public enum DType: String, Sendable, CaseIterable {
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Whether the elements are integers (or booleans), readable exactly as `Int`.
    public var isInteger: Bool {
        switch self {
        case .int64, .int32, .int16, .int8, .uint8, .bool: return true
        case .float64, .float32, .float16, .bfloat16: return false
        }
    }

    /// Every float16 bit pattern converted to float32 (256 KiB, built once on first use).
    static let halfToFloat: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

    /// Converts `count` little-endian elements at `raw` to float32. `raw` needs no alignment
    /// (storages inside archives are not always aligned to their element size).
    public func decode(_ raw: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .float32:
            UnsafeMutableRawPointer(out).copyMemory(from: raw, byteCount: count * 4)
        case .float16:
            // A table lookup: without F16C, `Float(Float16)` is a library call per element, several
            // times slower, and float16 archives (OpenAI's CLIP releases) hold hundreds of millions.
            DType.halfToFloat.withUnsafeBufferPointer { table in
                for i in 0..<count { out[i] = table[Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))] }
            }
        case .bfloat16:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
            }
        case .float64:
            for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
        case .int64:
            for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
        case .int32:
            for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
        case .int16:
            for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
        case .int8:
            for i in 0..<count { out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self)) }
        case .uint8, .bool:
            for i in 0..<count { out[i] = Float(raw.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }

    /// Converts `count` little-endian integer elements at `raw` to `Int`; does nothing for
    /// floating types (callers check `isInteger`).
    public func decodeIntegers(_ raw: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Int>) {
        switch self {
        case .int64:
            for i in 0..<count { out[i] = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
        case .int32:
            for i in 0..<count { out[i] = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .int16:
            for i in 0..<count { out[i] = Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) }
        case .int8:
            for i in 0..<count { out[i] = Int(raw.load(fromByteOffset: i, as: Int8.self)) }
        case .uint8, .bool:
            for i in 0..<count { out[i] = Int(raw.load(fromByteOffset: i, as: UInt8.self)) }
        case .float64, .float32, .float16, .bfloat16:
            break
        }
    }
}
