/// A restricted reader for Python pickles (protocols 2–5, as `torch.save` and `torch.jit.save`
/// write them) that never executes anything.
///
/// The pickle is interpreted as data: containers, numbers and strings are rebuilt as
/// `PickleValue`s, and the only globals it may name are those `PickleGlobal` allows. A reference to
/// any other global (`os.system`, `builtins.eval`, …) stops reading at once with
/// `CheckpointError.forbiddenGlobal`, before anything refers to it. Persistent ids must be
/// `('storage', type, key, location, numel)` records and are checked by `storageExists`.
struct Unpickler {
    /// The file the pickle came from, for errors.
    let path: String
    /// The pickle's name inside the file (e.g. `archive/data.pkl`), for errors.
    let record: String
    let limits: PickleLimits
    /// Whether a storage key names an existing record.
    let storageExists: (String) -> Bool

    private var bytes: [UInt8] = []
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var created = 0

    init(path: String, record: String, limits: PickleLimits, storageExists: @escaping (String) -> Bool) {
        self.path = path
        self.record = record
        self.limits = limits
        self.storageExists = storageExists
    }

    /// Interprets `pickle` and returns the value left by `STOP`.
    mutating func load(_ pickle: [UInt8]) throws -> PickleValue {
        guard pickle.count <= limits.maxPickleBytes else {
            throw limit("the pickle is \(pickle.count) bytes, over the \(limits.maxPickleBytes)-byte limit")
        }
        bytes = pickle
        position = 0
        stack = []
        marks = []
        memo = [:]
        created = 0
        defer { bytes = []; stack = []; memo = [:] }
        while true {
            let at = position
            let op = try byte()
            if op == 0x2E {  // STOP
                guard let top = stack.popLast() else { throw corrupt("STOP with an empty stack", at: at) }
                return top
            }
            try execute(op, at: at)
        }
    }

    // MARK: - Errors

    private func corrupt(_ reason: String, at: Int) -> CheckpointError {
        .corrupt(path: path, reason: "pickle '\(record)' at byte \(at): \(reason)")
    }

    private func limit(_ reason: String) -> CheckpointError {
        .resourceLimit(path: path, reason: "pickle '\(record)': \(reason)")
    }

    // MARK: - Reading the opcode stream

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw corrupt("the pickle ends without STOP (truncated?)", at: position) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else {
            throw corrupt("needs \(n) more bytes but only \(bytes.count - position) remain (truncated?)", at: position)
        }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    private mutating func unsigned(_ n: Int) throws -> Int {
        let b = try take(n)
        var v: UInt64 = 0
        for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
        guard v <= UInt64(Int.max) else { throw corrupt("length \(v) is out of range", at: position - n) }
        return Int(v)
    }

    /// A text argument up to the next newline (protocol-0 style opcodes).
    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else {
            throw corrupt("a text argument has no terminating newline (truncated?)", at: position)
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private mutating func utf8(_ n: Int) throws -> String {
        let at = position
        let b = try take(n)
        guard let s = String(validating: b, as: UTF8.self) else { throw corrupt("string is not valid UTF-8", at: at) }
        return s
    }

    // MARK: - Stack

    private mutating func push(_ v: PickleValue) throws {
        created += 1
        guard created <= limits.maxObjects else { throw limit("more than \(limits.maxObjects) values") }
        guard stack.count + marks.count < limits.maxStackDepth else { throw limit("stack deeper than \(limits.maxStackDepth)") }
        stack.append(v)
    }

    private mutating func pop(at: Int) throws -> PickleValue {
        guard let v = stack.popLast() else { throw corrupt("stack underflow", at: at) }
        if let m = marks.last, m > stack.count { throw corrupt("an opcode pops past a MARK", at: at) }
        return v
    }

    private func top(at: Int) throws -> PickleValue {
        guard let v = stack.last, (marks.last ?? 0) < stack.count else { throw corrupt("stack underflow", at: at) }
        return v
    }

    /// The values pushed since the last MARK, which is removed.
    private mutating func popMark(at: Int) throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw corrupt("no MARK to pop to", at: at) }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func remember(_ index: Int, at: Int) throws {
        guard index >= 0 else { throw corrupt("negative memo index", at: at) }
        let v = try top(at: at)
        if memo[index] == nil, memo.count >= limits.maxMemoEntries { throw limit("more than \(limits.maxMemoEntries) memo entries") }
        memo[index] = v
    }

    private mutating func recall(_ index: Int, at: Int) throws {
        guard let v = memo[index] else { throw corrupt("memo entry \(index) is read before it is written", at: at) }
        try push(v)
    }

    // MARK: - Opcodes

    private mutating func execute(_ op: UInt8, at: Int) throws {
        switch op {
        case 0x80:  // PROTO
            let v = try byte()
            guard v <= 5 else { throw CheckpointError.unsupportedFormat(path: path, reason: "pickle '\(record)' uses protocol \(v); protocols up to 5 are supported") }
        case 0x95: _ = try take(8)  // FRAME: framing is only a read-ahead hint
        case 0x28:  // MARK
            guard stack.count + marks.count < limits.maxStackDepth else { throw limit("stack deeper than \(limits.maxStackDepth)") }
            marks.append(stack.count)
        case 0x30:  // POP
            if let m = marks.last, m == stack.count { marks.removeLast() } else { _ = try pop(at: at) }
        case 0x31: _ = try popMark(at: at)  // POP_MARK
        case 0x32: try push(try top(at: at))  // DUP
        case 0x4E: try push(.none)
        case 0x88: try push(.bool(true))
        case 0x89: try push(.bool(false))

        // Integers and floats
        case 0x49:  // INT
            let s = try line()
            if s == "00" { try push(.bool(false)) } else if s == "01" { try push(.bool(true)) } else {
                guard let v = Int(s) else { throw corrupt("bad INT '\(s)'", at: at) }
                try push(.int(v))
            }
        case 0x4A:  // BININT
            let v = try unsigned(4)
            try push(.int(Int(Int32(truncatingIfNeeded: v))))
        case 0x4B: try push(.int(Int(try byte())))  // BININT1
        case 0x4D: try push(.int(try unsigned(2)))  // BININT2
        case 0x4C:  // LONG
            var s = try line()
            if s.hasSuffix("L") { s.removeLast() }
            if let v = Int(s) { try push(.int(v)) } else { try push(.bigInt(s)) }
        case 0x8A: try pushLong(try Int(byte()), at: at)  // LONG1
        case 0x8B: try pushLong(try unsigned(4), at: at)  // LONG4
        case 0x46:  // FLOAT
            let s = try line()
            guard let v = Double(s) else { throw corrupt("bad FLOAT '\(s)'", at: at) }
            try push(.double(v))
        case 0x47:  // BINFLOAT, big-endian
            var bits: UInt64 = 0
            for b in try take(8) { bits = bits << 8 | UInt64(b) }
            try push(.double(Double(bitPattern: bits)))

        // Strings and bytes
        case 0x58: try push(.string(try utf8(try unsigned(4))))  // BINUNICODE
        case 0x8C: try push(.string(try utf8(Int(try byte()))))  // SHORT_BINUNICODE
        case 0x8D: try push(.string(try utf8(try unsigned(8))))  // BINUNICODE8
        case 0x56: try push(.string(try line()))  // UNICODE (raw-unicode-escape; checkpoints use plain ASCII)
        case 0x53:  // STRING: a quoted repr
            var s = try line()
            if s.count >= 2, let q = s.first, q == "'" || q == "\"", s.last == q { s = String(s.dropFirst().dropLast()) }
            try push(.string(s))
        case 0x54: try push(.string(String(decoding: try take(try unsigned(4)), as: UTF8.self)))  // BINSTRING
        case 0x55: try push(.string(String(decoding: try take(Int(try byte())), as: UTF8.self)))  // SHORT_BINSTRING
        case 0x42: try push(.bytes(Array(try take(try unsigned(4)))))  // BINBYTES
        case 0x43: try push(.bytes(Array(try take(Int(try byte())))))  // SHORT_BINBYTES
        case 0x8E, 0x96: try push(.bytes(Array(try take(try unsigned(8)))))  // BINBYTES8, BYTEARRAY8

        // Containers
        case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
        case 0x6C: try push(.list(PickleList(try popMark(at: at))))  // LIST
        case 0x61:  // APPEND
            let v = try pop(at: at)
            guard case let .list(l) = try top(at: at) else { throw corrupt("APPEND to a \(try top(at: at).kind)", at: at) }
            l.items.append(v)
        case 0x65:  // APPENDS
            let items = try popMark(at: at)
            guard case let .list(l) = try top(at: at) else { throw corrupt("APPENDS to a \(try top(at: at).kind)", at: at) }
            l.items.append(contentsOf: items)
        case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
        case 0x74: try push(.tuple(try popMark(at: at)))  // TUPLE
        case 0x85:  // TUPLE1
            let a = try pop(at: at)
            try push(.tuple([a]))
        case 0x86:  // TUPLE2
            let b = try pop(at: at), a = try pop(at: at)
            try push(.tuple([a, b]))
        case 0x87:  // TUPLE3
            let c = try pop(at: at), b = try pop(at: at), a = try pop(at: at)
            try push(.tuple([a, b, c]))
        case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
        case 0x64:  // DICT
            let items = try popMark(at: at)
            guard items.count % 2 == 0 else { throw corrupt("DICT with an odd number of items", at: at) }
            let d = PickleDict()
            for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
            try push(.dict(d))
        case 0x73:  // SETITEM
            let v = try pop(at: at), k = try pop(at: at)
            guard case let .dict(d) = try top(at: at) else { throw corrupt("SETITEM on a \(try top(at: at).kind)", at: at) }
            d.set(k, v)
        case 0x75:  // SETITEMS
            let items = try popMark(at: at)
            guard items.count % 2 == 0 else { throw corrupt("SETITEMS with an odd number of items", at: at) }
            guard case let .dict(d) = try top(at: at) else { throw corrupt("SETITEMS on a \(try top(at: at).kind)", at: at) }
            for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
        case 0x8F: try push(.set(PickleList()))  // EMPTY_SET
        case 0x90:  // ADDITEMS
            let items = try popMark(at: at)
            guard case let .set(s) = try top(at: at) else { throw corrupt("ADDITEMS on a \(try top(at: at).kind)", at: at) }
            s.items.append(contentsOf: items)
        case 0x91: try push(.set(PickleList(try popMark(at: at))))  // FROZENSET

        // Memo
        case 0x71: try remember(Int(try byte()), at: at)  // BINPUT
        case 0x72: try remember(try unsigned(4), at: at)  // LONG_BINPUT
        case 0x70:  // PUT
            let s = try line()
            guard let i = Int(s) else { throw corrupt("bad PUT index '\(s)'", at: at) }
            try remember(i, at: at)
        case 0x94: try remember(memo.count, at: at)  // MEMOIZE
        case 0x68: try recall(Int(try byte()), at: at)  // BINGET
        case 0x6A: try recall(try unsigned(4), at: at)  // LONG_BINGET
        case 0x67:  // GET
            let s = try line()
            guard let i = Int(s) else { throw corrupt("bad GET index '\(s)'", at: at) }
            try recall(i, at: at)

        // Globals and calls: the only opcodes that could reach code, hence the allowlist.
        case 0x63:  // GLOBAL
            let module = try line(), name = try line()
            try push(.global(try resolve(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let name = try pop(at: at), module = try pop(at: at)
            guard case let .string(m) = module, case let .string(n) = name else {
                throw corrupt("STACK_GLOBAL needs two strings, got \(module.kind) and \(name.kind)", at: at)
            }
            try push(.global(try resolve(module: m, name: n)))
        case 0x69:  // INST (protocol 0/1 instance creation)
            let module = try line(), name = try line()
            let g = try resolve(module: module, name: name)
            throw corrupt("INST of '\(g.qualifiedName)' is not used by PyTorch checkpoints", at: at)
        case 0x6F:  // OBJ
            throw corrupt("OBJ is not used by PyTorch checkpoints", at: at)
        case 0x82, 0x83, 0x84:  // EXT1, EXT2, EXT4: globals by copyreg extension code
            let code = try unsigned(op == 0x82 ? 1 : op == 0x83 ? 2 : 4)
            throw CheckpointError.forbiddenGlobal(path: path, global: "copyreg extension code \(code)")
        case 0x52:  // REDUCE
            let args = try pop(at: at), callable = try pop(at: at)
            guard case let .tuple(a) = args else { throw corrupt("REDUCE with \(args.kind) arguments", at: at) }
            try push(try call(callable, a, at: at))
        case 0x81:  // NEWOBJ
            let args = try pop(at: at), cls = try pop(at: at)
            try push(try instantiate(cls, args, at: at))
        case 0x92:  // NEWOBJ_EX
            _ = try pop(at: at)  // keyword arguments: TorchScript classes take none that matter
            let args = try pop(at: at), cls = try pop(at: at)
            try push(try instantiate(cls, args, at: at))
        case 0x62:  // BUILD
            let state = try pop(at: at)
            switch try top(at: at) {
            case let .object(o): o.state = state
            // `OrderedDict` state is instance attributes (`_metadata` of a state dict), tensors carry
            // Python-side attributes: neither holds weights.
            case .dict, .tensor: break
            case let other: throw corrupt("BUILD on a \(other.kind)", at: at)
            }

        // Persistent ids: references to tensor storages in the archive.
        case 0x51:  // BINPERSID
            let pid = try pop(at: at)
            try push(.storage(try storage(pid, at: at)))
        case 0x50:  // PERSID
            let s = try line()
            throw corrupt("text persistent id '\(s)' is not a PyTorch storage record", at: at)
        case 0x97, 0x98:
            throw corrupt("out-of-band buffers (protocol 5) are not used by PyTorch checkpoints", at: at)
        default:
            throw corrupt("unknown opcode 0x\(String(op, radix: 16))", at: at)
        }
    }

    private mutating func pushLong(_ n: Int, at: Int) throws {
        let b = try take(n)
        if n == 0 { return try push(.int(0)) }
        if n <= 8 {
            var v: UInt64 = 0
            for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
            // Sign-extend from the top byte.
            if n < 8, b.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }
            return try push(.int(Int(Int64(bitPattern: v))))
        }
        try push(.bigInt(b.map { String($0, radix: 16) }.joined(separator: ":")))
    }

    private func resolve(module: String, name: String) throws -> PickleGlobal {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw CheckpointError.forbiddenGlobal(path: path, global: "\(module).\(name)")
        }
        return g
    }

    /// Resolves `('storage', type, key, location, numel)`.
    private func storage(_ pid: PickleValue, at: Int) throws -> StorageReference {
        guard case let .tuple(t) = pid, t.count == 5, case .string("storage") = t[0] else {
            throw corrupt("persistent id \(pid.kind) is not a ('storage', type, key, location, numel) record", at: at)
        }
        guard case let .global(.storageType(typeName, dtype)) = t[1] else {
            throw corrupt("persistent id names \(t[1].kind) where a storage type belongs", at: at)
        }
        let key: String
        switch t[2] {
        case let .string(s): key = s
        case let .int(i): key = String(i)
        default: throw corrupt("storage key is a \(t[2].kind)", at: at)
        }
        guard case let .int(count) = t[4], count >= 0 else { throw corrupt("storage '\(key)' has element count \(t[4].kind)", at: at) }
        guard !key.isEmpty, !key.contains("/"), key != "..", storageExists(key) else {
            throw CheckpointError.corrupt(path: path, reason: "pickle '\(record)' refers to storage '\(key)', which the archive does not hold")
        }
        return StorageReference(key: key, typeName: typeName, dtype: dtype, count: count)
    }

    /// The allowlisted "calls", implemented here without running anything from the pickle.
    private func call(_ callable: PickleValue, _ args: [PickleValue], at: Int) throws -> PickleValue {
        guard case let .global(g) = callable else { throw corrupt("REDUCE calls a \(callable.kind)", at: at) }
        switch g {
        case .rebuildTensorV2:
            guard args.count == 6 || args.count == 7 else { throw corrupt("_rebuild_tensor_v2 with \(args.count) arguments", at: at) }
            guard case let .storage(s) = args[0] else { throw corrupt("_rebuild_tensor_v2 of a \(args[0].kind)", at: at) }
            guard case let .int(offset) = args[1], offset >= 0 else { throw corrupt("tensor storage offset is \(args[1].kind)", at: at) }
            let shape = try ints(args[2], "size", at: at), strides = try ints(args[3], "stride", at: at)
            guard shape.count == strides.count else { throw corrupt("tensor size \(shape) and stride \(strides) differ in rank", at: at) }
            return .tensor(TensorReference(storage: s, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            guard args.count == (g == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw corrupt("\(g.qualifiedName) with arguments \(args.map(\.kind))", at: at)
            }
            return args[0]
        case .rebuildFromTypeV2:
            guard args.count == 4, case .global = args[0], case .global(.tensorType) = args[1], case let .tuple(inner) = args[2] else {
                throw corrupt("_rebuild_from_type_v2 with arguments \(args.map(\.kind))", at: at)
            }
            return try call(args[0], inner, at: at)
        case .restoreTypeTag:
            guard args.count == 2 else { throw corrupt("restore_type_tag with \(args.count) arguments", at: at) }
            return args[0]
        case .orderedDict:
            let d = PickleDict()
            if args.count == 1, case let .list(pairs) = args[0] {
                for p in pairs.items {
                    guard case let .tuple(kv) = p, kv.count == 2 else { throw corrupt("OrderedDict item is a \(p.kind)", at: at) }
                    d.set(kv[0], kv[1])
                }
            } else if !args.isEmpty {
                throw corrupt("OrderedDict with arguments \(args.map(\.kind))", at: at)
            }
            return .dict(d)
        case .storageType, .dtype, .tensorType, .scriptClass:
            throw corrupt("'\(g.qualifiedName)' is not callable in a checkpoint", at: at)
        }
    }

    private func instantiate(_ cls: PickleValue, _ args: PickleValue, at: Int) throws -> PickleValue {
        switch cls {
        case let .global(.scriptClass(name)): return .object(PickleObject(className: name))
        case .global(.orderedDict): return .dict(PickleDict())
        default: throw corrupt("NEWOBJ of a \(cls.kind)", at: at)
        }
    }

    private func ints(_ v: PickleValue, _ what: String, at: Int) throws -> [Int] {
        guard case let .tuple(items) = v else { throw corrupt("tensor \(what) is a \(v.kind)", at: at) }
        return try items.map {
            guard case let .int(i) = $0, i >= 0 else { throw corrupt("tensor \(what) holds \($0.kind)", at: at) }
            return i
        }
    }
}
