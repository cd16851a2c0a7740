/// A value rebuilt by `Unpickler`: plain data, references to tensor storages, and inert markers for
/// the few allowlisted globals. Nothing here can run code; "calling" a global means the unpickler
/// builds one of these values itself.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, kept as its little-endian two's-complement bytes in hex.
    case bigInt(String)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case set(PickleList)
    case global(PickleGlobal)
    case storage(StorageReference)
    case tensor(TensorReference)
    /// An instance of a TorchScript class (`__torch__.*`): a module object with its `BUILD` state.
    case object(PickleObject)

    /// A short name of the value's kind, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .double: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .set: return "set"
        case let .global(g): return "global \(g.qualifiedName)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case let .object(o): return "object of \(o.className)"
        }
    }
}

/// A mutable list: pickles build lists by appending to an object that may already be memoised.
final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A mutable dictionary that keeps insertion order, as Python's `dict` and `OrderedDict` do.
final class PickleDict {
    /// Keys and values in insertion order.
    private(set) var items: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [Key: Int] = [:]

    /// The hashable forms of the key kinds checkpoints use; other keys are never deduplicated.
    private enum Key: Hashable {
        case string(String), int(Int), none
    }

    private static func key(_ v: PickleValue) -> Key? {
        switch v {
        case let .string(s): return .string(s)
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)  // Python: True == 1 as a dict key
        case .none: return Key.none
        default: return nil
        }
    }

    /// Sets `key` to `value`, replacing an earlier value under an equal key in place.
    func set(_ key: PickleValue, _ value: PickleValue) {
        if let k = Self.key(key) {
            if let at = positions[k] {
                items[at].value = value
                return
            }
            positions[k] = items.count
        }
        items.append((key, value))
    }

    /// The value under the string key `name`, or nil.
    func value(forKey name: String) -> PickleValue? {
        positions[.string(name)].map { items[$0].value }
    }
}

/// An instance of a TorchScript class. Module objects keep their attribute dictionary as `state`.
final class PickleObject {
    let className: String
    var state: PickleValue?
    init(className: String) { self.className = className }
}

/// A storage named by a persistent id `('storage', storage_type, key, location, numel)`; its bytes
/// are the archive entry `<prefix>/data/<key>`.
struct StorageReference: Sendable, Equatable {
    let key: String
    /// The storage class name, e.g. `FloatStorage`.
    let typeName: String
    /// Element type, or nil when the storage class is not one this reader decodes.
    let dtype: DType?
    /// Number of elements.
    let count: Int
}

/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage.
struct TensorReference: Sendable, Equatable {
    let storage: StorageReference
    /// Offset of the first element, in elements.
    let offset: Int
    let shape: [Int]
    /// Element strides, one per dimension.
    let strides: [Int]
}
