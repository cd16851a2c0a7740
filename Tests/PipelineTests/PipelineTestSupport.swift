import Foundation
import MedIO
import Pipeline

/// Temporary folders, stand-in model folders and tiny NIfTI inputs for the pipeline tests.
enum PipelineTestSupport {
    /// A fresh empty folder under the system temporary folder.
    static func temporaryFolder(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A model folder with the two files validation asks for (contents are placeholders: the tests
    /// exercise the engine, not the model).
    static func makeStandInModel(at path: String, content: String = "stand-in") throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("{\"name\": \"\(content)\"}".utf8).write(to: URL(fileURLWithPath: path + "/medvmad.json"))
        try Data(content.utf8).write(to: URL(fileURLWithPath: path + "/learned.safetensors"))
    }

    /// Writes a small NIfTI volume whose voxels are `seed`, `seed+1`, … (so each file differs).
    static func writeVolume(_ path: String, size: [Int] = [6, 5, 4], seed: Float) throws {
        let count = size.reduce(1, *)
        // The file's RAS affine; the volume's own geometry is the same grid in LPS (x and y negated).
        let affine: [Double] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]
        let lps: [Double] = [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]
        let volume = Volume(size: size, voxels: (0..<count).map { seed + Float($0) }, spacing: [1, 1, 2], indexToPatient: lps,
                            modality: "", source: .nifti(NiftiReference(path: path, rasAffine: affine, qformCode: 1, sformCode: 1)))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try NiftiWriter().writeProbabilityMap(volume.voxels, like: volume, to: path)
    }

    /// A pipeline file for NIfTI inputs with a test processor.
    static func pipelineYAML(input: String, output: String, model: String, concurrency: Int = 1, retries: Int = 0, rule: String = "min_slices: 1") -> String {
        """
        version: 1
        name: test
        output: \(output)
        ingest:
          folders: [\(input)]
          globs: ["*.nii.gz"]
        select:
          - name: volumes
            \(rule)
        infer:
          model: \(model)
          class_name: brain
        write:
          outputs: [nifti]
        execution:
          concurrency: \(concurrency)
          blas_threads: 1
          retries: \(retries)
        """
    }

    /// Repository root, from this file's location.
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Environment with fixed cores and every program present.
    static func environment(cores: Int = 8) -> PipelineEnvironment {
        PipelineEnvironment(cores: cores) { _ in true }
    }
}
