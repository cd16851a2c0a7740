/// A PyTorch ZIP archive, either a `torch.save` file (PyTorch ≥ 1.6: state dicts, Hugging Face
/// `pytorch_model.bin`, training checkpoints) or a `torch.jit.save` TorchScript archive (OpenAI's
/// released CLIP `.pt` files).
///
/// Layout: `<prefix>/data.pkl` is a pickle of the saved object whose tensors refer, through
/// persistent ids, to raw little-endian storages `<prefix>/data/<key>`. The pickle is read by the
/// restricted `Unpickler`; the object is flattened to dotted names the way `state_dict()` names
/// them (nested dicts joined with "."; a TorchScript module tree by attribute names). Tensor data
/// is decoded on request from the memory-mapped storages, honouring storage offset and strides.
struct TorchArchive: Sendable {
    /// One tensor: a strided view of a storage record.
    struct TensorEntry: Sendable {
        let name: String
        let dtype: DType
        let shape: [Int]
        let strides: [Int]
        /// Offset of element [0, …, 0] in the storage, in elements.
        let offset: Int
        let storage: ZipArchive.Entry
    }

    /// Root-level TorchScript attributes of OpenAI's CLIP archives that hold hyperparameters, not
    /// weights; `clip.load` drops them from the state dict, so they are reported as scalars.
    static let scriptMetadataNames: Set<String> = ["input_resolution", "context_length", "vocab_size"]

    let path: String
    let format: CheckpointFormat
    /// Tensors in pickle order.
    let tensors: [TensorEntry]
    /// Non-tensor values by dotted name.
    let scalars: [String: CheckpointScalar]
    private let zip: ZipArchive
    private let index: [String: Int]

    init(file: MappedFile, limits: PickleLimits) throws {
        let path = file.path
        self.path = path
        let zip = try ZipArchive(file: file)
        self.zip = zip

        // The pickle sits in one top-level folder whose name is arbitrary (the file's stem, or "archive").
        let candidates = zip.entries.filter { e in
            e.name == "data.pkl" || (e.name.hasSuffix("/data.pkl") && e.name.split(separator: "/", omittingEmptySubsequences: false).count == 2)
        }
        guard let pickleEntry = candidates.first else {
            if zip.entries.contains(where: { $0.name.hasSuffix("model.json") || $0.name.hasSuffix("attributes.pkl") }) {
                throw CheckpointError.unsupportedFormat(
                    path: path, reason: "TorchScript archive from PyTorch before 1.4 (model.json layout); re-save it with a current torch.jit.save")
            }
            throw CheckpointError.unsupportedFormat(path: path, reason: "ZIP archive without a data.pkl record, so not a PyTorch checkpoint")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: try zip.contents(of: order, limit: 64), as: UTF8.self)
            guard text == "little" else {
                throw CheckpointError.unsupportedFormat(path: path, reason: "storages are '\(text)'-endian; only little-endian archives are supported")
            }
        }

        var unpickler = Unpickler(path: path, record: pickleEntry.name, limits: limits) { key in
            zip.entry(named: prefix + "data/" + key) != nil
        }
        let root = try unpickler.load(try zip.contents(of: pickleEntry, limit: limits.maxPickleBytes))
        if case .object = root {
            format = .torchScript
        } else {
            format = .torchZip
        }

        var flattener = Flattener(path: path, limits: limits)
        try flattener.visit(root, name: "", depth: 0)
        var scalars = flattener.scalars

        var list: [TensorEntry] = []
        var names: [String: Int] = [:]
        for (name, ref) in flattener.tensors {
            if format == .torchScript, Self.scriptMetadataNames.contains(name), ref.shape.reduce(1, *) == 1, ref.storage.dtype != nil {
                let entry = try Self.validate(name: name, ref, prefix: prefix, zip: zip, path: path)
                if entry.dtype.isInteger {
                    scalars[name] = .int(try Self.integers(entry, zip: zip)[0])
                } else {
                    let v = Double(try Self.floats(entry, zip: zip)[0])
                    scalars[name] = v == v.rounded() && abs(v) < 0x1p53 ? .int(Int(v)) : .double(v)
                }
                continue
            }
            guard names[name] == nil, scalars[name] == nil else {
                throw CheckpointError.corrupt(path: path, reason: "two values flatten to the name '\(name)'")
            }
            names[name] = list.count
            list.append(try Self.validate(name: name, ref, prefix: prefix, zip: zip, path: path))
        }
        tensors = list
        index = names
        self.scalars = scalars
    }

    /// The tensor called `name`, or nil.
    func tensor(named name: String) -> TensorEntry? { index[name].map { tensors[$0] } }

    /// Checks a tensor's element type and that its view lies inside its storage record.
    private static func validate(name: String, _ ref: TensorReference, prefix: String, zip: ZipArchive, path: String) throws -> TensorEntry {
        guard let dtype = ref.storage.dtype else {
            throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: ref.storage.typeName)
        }
        guard let storage = zip.entry(named: prefix + "data/" + ref.storage.key) else {
            throw CheckpointError.corrupt(path: path, reason: "tensor '\(name)' refers to missing storage '\(ref.storage.key)'")
        }
        let (storageBytes, o1) = ref.storage.count.multipliedReportingOverflow(by: dtype.size)
        guard !o1, storageBytes <= storage.uncompressedSize else {
            throw CheckpointError.corrupt(
                path: path, reason: "storage '\(ref.storage.key)' of tensor '\(name)' declares \(ref.storage.count) \(dtype.rawValue) elements but its record holds \(storage.uncompressedSize) bytes")
        }
        // The last element a view touches is offset + Σ (size − 1)·stride.
        var count = 1
        var last = ref.offset
        var overflow = false
        for (size, stride) in Swift.zip(ref.shape, ref.strides) {
            let c = count.multipliedReportingOverflow(by: size)
            count = c.partialValue
            overflow = overflow || c.overflow
            if size > 0 {
                let m = (size - 1).multipliedReportingOverflow(by: stride)
                let s = last.addingReportingOverflow(m.partialValue)
                last = s.partialValue
                overflow = overflow || m.overflow || s.overflow
            }
        }
        guard !overflow, count == 0 || last < ref.storage.count else {
            throw CheckpointError.corrupt(
                path: path, reason: "tensor '\(name)' (size \(ref.shape), stride \(ref.strides), offset \(ref.offset)) reaches past its storage of \(ref.storage.count) elements")
        }
        return TensorEntry(name: name, dtype: dtype, shape: ref.shape, strides: ref.strides, offset: ref.offset, storage: storage)
    }

    // MARK: - Decoding

    /// The tensor's values upcast to float32, in row-major order.
    func floats(_ t: TensorEntry) throws -> [Float] { try Self.floats(t, zip: zip) }

    private static func floats(_ t: TensorEntry, zip: ZipArchive) throws -> [Float] {
        let count = t.shape.reduce(1, *)
        guard count > 0 else { return [] }
        return try zip.withContents(of: t.storage) { raw in
            // Every output index is written exactly once by the runs, so no zero-fill is needed.
            [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                let base = dst.baseAddress!
                forEachRun(t) { element, n, at in
                    t.dtype.decode(raw.baseAddress! + element * t.dtype.size, count: n, into: base + at)
                }
                initialized = count
            }
        }
    }

    /// The tensor's values as integers (integer and bool element types only).
    func integers(_ t: TensorEntry) throws -> [Int] { try Self.integers(t, zip: zip) }

    private static func integers(_ t: TensorEntry, zip: ZipArchive) throws -> [Int] {
        guard t.dtype.isInteger else {
            throw CheckpointError.unsupportedDType(path: zip.path, tensor: t.name, dtype: t.dtype.rawValue + " (expected an integer type)")
        }
        let count = t.shape.reduce(1, *)
        var out = [Int](repeating: 0, count: count)
        guard count > 0 else { return out }
        try zip.withContents(of: t.storage) { raw in
            out.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress!
                forEachRun(t) { element, n, at in
                    t.dtype.decodeIntegers(raw.baseAddress! + element * t.dtype.size, count: n, into: base + at)
                }
            }
        }
        return out
    }

    /// Calls `body(storageElement, count, outputIndex)` for each contiguous run of the view, in
    /// row-major order: one run for a contiguous tensor, one per innermost row otherwise.
    private static func forEachRun(_ t: TensorEntry, _ body: (Int, Int, Int) -> Void) {
        let rank = t.shape.count
        let count = t.shape.reduce(1, *)
        var contiguous = true
        var expected = 1
        for d in stride(from: rank - 1, through: 0, by: -1) where t.shape[d] != 1 {
            if t.strides[d] != expected { contiguous = false }
            expected *= t.shape[d]
        }
        if contiguous || rank == 0 {
            body(t.offset, count, 0)
            return
        }
        let inner = t.shape[rank - 1], innerStride = t.strides[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var element = t.offset
        var at = 0
        while at < count {
            if innerStride == 1 {
                body(element, inner, at)
            } else {
                for j in 0..<inner { body(element + j * innerStride, 1, at + j) }
            }
            at += inner
            // Odometer over the outer dimensions.
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                element += t.strides[d]
                if index[d] < t.shape[d] { break }
                element -= t.strides[d] * t.shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// Walks an unpickled object and names every tensor and scalar in it with dotted paths.
private struct Flattener {
    let path: String
    let limits: PickleLimits
    var tensors: [(String, TensorReference)] = []
    var scalars: [String: CheckpointScalar] = [:]
    private var visited = 0
    /// Containers on the current path, to refuse cycles (a memo entry can refer to its own container).
    private var onPath: Set<ObjectIdentifier> = []

    init(path: String, limits: PickleLimits) {
        self.path = path
        self.limits = limits
    }

    private static func join(_ name: String, _ key: String) -> String { name.isEmpty ? key : name + "." + key }

    mutating func visit(_ value: PickleValue, name: String, depth: Int) throws {
        visited += 1
        guard visited <= limits.maxObjects else {
            throw CheckpointError.resourceLimit(path: path, reason: "the pickled object has more than \(limits.maxObjects) parts")
        }
        guard depth <= limits.maxNesting else {
            throw CheckpointError.resourceLimit(path: path, reason: "'\(name)' is nested deeper than \(limits.maxNesting) levels")
        }
        switch value {
        case let .tensor(t): tensors.append((name, t))
        case let .int(v): scalars[name] = .int(v)
        case let .double(v): scalars[name] = .double(v)
        case let .bool(v): scalars[name] = .bool(v)
        case let .string(v): scalars[name] = .string(v)
        case let .bigInt(v): scalars[name] = .string(v)
        case .none, .bytes, .global, .storage: break
        case let .tuple(items):
            for (i, v) in items.enumerated() { try visit(v, name: Self.join(name, String(i)), depth: depth + 1) }
        case let .list(l), let .set(l):
            try enter(l, name) {
                for (i, v) in l.items.enumerated() { try $0.visit(v, name: Self.join(name, String(i)), depth: depth + 1) }
            }
        case let .dict(d):
            try enter(d, name) {
                for (k, v) in d.items { try $0.visit(v, name: Self.join(name, try $0.keyName(k, in: name)), depth: depth + 1) }
            }
        case let .object(o):
            try enter(o, name) { me in
                guard let state = o.state else { return }
                if case let .dict(d) = state {
                    for (k, v) in d.items {
                        let key = try me.keyName(k, in: name)
                        if Self.moduleBookkeeping.contains(key) { continue }
                        try me.visit(v, name: Self.join(name, key), depth: depth + 1)
                    }
                } else {
                    try me.visit(state, name: name, depth: depth + 1)
                }
            }
        }
    }

    /// Attributes every TorchScript module carries that are bookkeeping, not state.
    private static let moduleBookkeeping: Set<String> = ["training", "_is_full_backward_hook"]

    private mutating func enter(_ object: AnyObject, _ name: String, _ body: (inout Flattener) throws -> Void) throws {
        let id = ObjectIdentifier(object)
        guard onPath.insert(id).inserted else {
            throw CheckpointError.corrupt(path: path, reason: "the pickled object contains itself at '\(name)'")
        }
        defer { onPath.remove(id) }
        try body(&self)
    }

    private func keyName(_ key: PickleValue, in name: String) throws -> String {
        switch key {
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .bool(b): return b ? "True" : "False"
        default: throw CheckpointError.corrupt(path: path, reason: "a dictionary in '\(name)' has a \(key.kind) key")
        }
    }
}
