/// The container formats `CheckpointArchive` reads.
public enum CheckpointFormat: String, Sendable, CaseIterable {
    /// A `.safetensors` file.
    case safetensors
    /// A `torch.save` ZIP archive (PyTorch ≥ 1.6): a pickled object, typically a state dict.
    case torchZip
    /// A `torch.jit.save` TorchScript archive: a pickled module tree.
    case torchScript
}
