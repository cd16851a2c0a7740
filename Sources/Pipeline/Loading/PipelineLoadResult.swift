/// A pipeline file after decoding and checking: the spec when it has no errors, and every diagnostic.
public struct PipelineLoadResult: Sendable {
    public var path: String
    /// Nil when any diagnostic is an error.
    public var spec: PipelineSpec?
    public var diagnostics: [PipelineDiagnostic]

    public var errors: [PipelineDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [PipelineDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// The spec, or `PipelineError.invalidPipeline` listing every problem.
    public func get() throws(PipelineError) -> PipelineSpec {
        guard let spec, errors.isEmpty else { throw .invalidPipeline(path: path, diagnostics: diagnostics) }
        return spec
    }
}
