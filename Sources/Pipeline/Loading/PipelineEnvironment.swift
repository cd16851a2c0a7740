import Foundation

/// What validation may ask of the machine, injected so tests can fix it.
public struct PipelineEnvironment: Sendable {
    /// CPU cores available to jobs.
    public var cores: Int
    /// Whether a program is on PATH (sbatch, dcmsend).
    public var hasProgram: @Sendable (String) -> Bool

    public init(cores: Int, hasProgram: @escaping @Sendable (String) -> Bool) {
        self.cores = cores
        self.hasProgram = hasProgram
    }

    /// This machine.
    public static var current: PipelineEnvironment {
        PipelineEnvironment(cores: ProcessInfo.processInfo.activeProcessorCount) { name in
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
    }
}
