import Checkpoint
import Tensor

/// Anything that serves named float tensors: a safetensors file, a PyTorch archive, a model folder.
public protocol TensorProvider {
    /// Path shown in errors.
    var sourcePath: String { get }
    /// Names of every tensor held.
    var tensorNames: [String] { get }
    /// Shape of `name` without decoding it, or nil when absent.
    func shape(of name: String) -> [Int]?
    /// The tensor, upcast to float32.
    func tensor(_ name: String) throws -> Tensor
}

extension SafetensorsFile: TensorProvider {
    public var sourcePath: String { path }
    public var tensorNames: [String] { names }
    public func shape(of name: String) -> [Int]? { entry(name)?.shape }
}

/// A provider over an in-memory dictionary (tests, converted checkpoints).
public struct DictionaryTensorProvider: TensorProvider {
    public let sourcePath: String
    public let tensors: [String: Tensor]
    public init(sourcePath: String, tensors: [String: Tensor]) {
        self.sourcePath = sourcePath
        self.tensors = tensors
    }
    public var tensorNames: [String] { tensors.keys.sorted() }
    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw CLIPError.missingTensor(path: sourcePath, name: name) }
        return t
    }
}
