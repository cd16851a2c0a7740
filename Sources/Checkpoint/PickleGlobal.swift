/// The globals a checkpoint pickle may name. Anything else is refused before the pickle is
/// interpreted any further: a global is the only way a pickle can reach code, so this list is the
/// whole of the unpickler's attack surface. Each case is inert data; the unpickler implements the
/// few "calls" (tensor rebuilding, `OrderedDict()`) itself.
enum PickleGlobal: Equatable, Sendable {
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)`.
    case rebuildParameterWithState
    /// `torch._tensor._rebuild_from_type_v2(func, new_type, args, state)` (tensor subclasses).
    case rebuildFromTypeV2
    /// `torch.jit._pickle.restore_type_tag(value, type)`: returns `value`.
    case restoreTypeTag
    /// `collections.OrderedDict`.
    case orderedDict
    /// `torch.<X>Storage`; `dtype` is nil for storage classes this reader cannot decode.
    case storageType(name: String, dtype: DType?)
    /// `torch.float16` and friends; `dtype` is nil for element types this reader cannot decode.
    case dtype(name: String, dtype: DType?)
    /// `torch.Tensor` or `torch.nn.parameter.Parameter`, as the type argument of `_rebuild_from_type_v2`.
    case tensorType(String)
    /// A TorchScript class (`__torch__.…`); instances become `PickleObject`s.
    case scriptClass(String)

    /// `module.name` as the pickle spells it.
    var qualifiedName: String {
        switch self {
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .rebuildFromTypeV2: return "torch._tensor._rebuild_from_type_v2"
        case .restoreTypeTag: return "torch.jit._pickle.restore_type_tag"
        case .orderedDict: return "collections.OrderedDict"
        case let .storageType(name, _): return "torch.\(name)"
        case let .dtype(name, _): return "torch.\(name)"
        case let .tensorType(name): return name
        case let .scriptClass(name): return name
        }
    }

    /// Storage classes written by `torch.save` and `torch.jit.save`, by element type.
    static let storageTypes: [String: DType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    /// `torch.<dtype>` attribute names.
    static let dtypes: [String: DType] = [
        "float32": .float32, "float": .float32, "float16": .float16, "half": .float16, "bfloat16": .bfloat16,
        "float64": .float64, "double": .float64, "int64": .int64, "long": .int64, "int32": .int32, "int": .int32,
        "int16": .int16, "short": .int16, "int8": .int8, "uint8": .uint8, "bool": .bool,
    ]

    /// Other `torch.<dtype>` names that may appear as values; recognised so that the error is
    /// "unsupported dtype" when a tensor uses one, not "forbidden global".
    private static let otherDTypes: Set<String> = [
        "complex32", "complex64", "complex128", "cfloat", "cdouble", "chalf", "uint16", "uint32", "uint64",
        "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "qint8", "quint8", "qint32", "quint4x2",
    ]

    /// The allowlisted global `module.name`, or nil when it is not allowed.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch._tensor", "_rebuild_from_type_v2"): self = .rebuildFromTypeV2
        case ("torch.jit._pickle", "restore_type_tag"): self = .restoreTypeTag
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"): self = .tensorType("\(module).\(name)")
        case ("torch", _):
            if let dtype = Self.storageTypes[name] {
                self = .storageType(name: name, dtype: dtype)
            } else if name.hasSuffix("Storage"), name.count > 7, name.allSatisfy({ $0.isLetter || $0.isNumber }) {
                self = .storageType(name: name, dtype: nil)
            } else if let dtype = Self.dtypes[name] {
                self = .dtype(name: name, dtype: dtype)
            } else if Self.otherDTypes.contains(name) {
                self = .dtype(name: name, dtype: nil)
            } else {
                return nil
            }
        default:
            // TorchScript's own classes live under the synthetic `__torch__` package and carry only data.
            guard module == "__torch__" || module.hasPrefix("__torch__.") else { return nil }
            self = .scriptClass("\(module).\(name)")
        }
    }
}
