import Checkpoint
import Foundation
import Logging
import MedIO
import MedVMAD
@testable import Pipeline

/// Real DICOM series made from the sample files, external validators, and the tiny model for the
/// infer / inspect / oblique / demo tests.
enum ClinicalTestSupport {
    static var sampleDicom: String { PipelineTestSupport.repositoryRoot + "/sample-data/dicom" }
    static var niftiFixtures: String { PipelineTestSupport.repositoryRoot + "/Tests/Fixtures/nifti" }

    /// The validator Python (pydicom, highdicom, nibabel) from MEDVMAD_PYTHON, if set.
    static var python: String? {
        guard let path = ProcessInfo.processInfo.environment["MEDVMAD_PYTHON"], !path.isEmpty else { return nil }
        return path
    }

    /// Runs a program, returning its exit status, stdout and stderr (stderr through a file, so
    /// neither stream can fill a pipe and block the child).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errHandle.close()
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errors)
    }

    /// dciodvfy's "Error" lines for `path` (it exits 0 even when it finds errors).
    static func dciodvfyErrors(_ path: String) throws -> [String] {
        let (_, output, errors) = try run("/usr/bin/dciodvfy", [path])
        return (output + "\n" + errors).split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error") }
    }

    /// Every `.dcm` file below `folder`.
    static func dicomFiles(under folder: String) -> [String] {
        let names = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
        return names.filter { $0.hasSuffix(".dcm") }.map { folder + "/" + $0 }.sorted()
    }

    /// Runs check_pipeline_outputs.py on a manifest; returns its status and output.
    static func checkWithValidators(_ manifest: [String: Any], in folder: String) throws -> (status: Int32, output: String) {
        guard let python else { return (-1, "MEDVMAD_PYTHON unset") }
        let path = folder + "/validator-manifest.json"
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_pipeline_outputs.py").path
        let (status, output, errors) = try run(python, [script, path])
        return (status, output + errors)
    }

    /// The tiny-CLIP model folder (untrained adapters and prompts: the tests check the plumbing).
    static func makeModel(at folder: String) throws {
        try MedVMADSeriesProcessorTests.makeModel(at: folder)
    }

    /// A `calibration.json` for the model in `folder` whose pixel threshold is `pixelThreshold`, so
    /// that tests can make the mask a known function of the map. Built from the demo model's file
    /// (its format) with this model's hash and class name.
    static func writeCalibration(model folder: String, pixelThreshold: Double, imageThreshold: Double) throws {
        let demo = PipelineTestSupport.repositoryRoot + "/sample-data/models/demo/calibration.json"
        var file = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: demo))) as! [String: Any]
        var calibration = file["calibration"] as! [String: Any]
        var pixel = calibration["pixel_threshold"] as! [String: Any]
        pixel["value"] = pixelThreshold
        calibration["pixel_threshold"] = pixel
        var image = calibration["image_threshold"] as! [String: Any]
        image["value"] = imageThreshold
        calibration["image_threshold"] = image
        var provenance = calibration["provenance"] as! [String: Any]
        provenance["learned_sha256"] = try FileDigest.sha256(path: folder + "/learned.safetensors")
        provenance["class_name"] = "brain"
        provenance["model_name"] = "tiny-test"
        calibration["provenance"] = provenance
        file["calibration"] = calibration
        try JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: folder + "/calibration.json"))
    }

    /// Runs `InferBatch` on `inputs`; returns the discovered skips and the outcomes.
    static func infer(_ inputs: [String], model: String, output: String, formats: [WriteStage.Output] = WriteStage.Output.allCases,
                      axis: SliceAxisName = .axial, skipEmpty: Bool = false, threshold: Double? = nil)
        throws -> (outcomes: [InferBatch.SeriesOutcome], skipped: [InferBatch.SkippedFile]) {
        let batch = try InferBatch(options: .init(model: model, formats: formats, axis: axis, skipEmpty: skipEmpty, threshold: threshold, batchSize: 4),
                                   output: output)
        let found = try batch.discover(inputs)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return (try batch.run(found.candidates, logger: logger), found.skipped)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// Runs dcmodify (DCMTK) on a file in place, without a backup.
    static func dcmodify(_ path: String, _ arguments: [String]) throws {
        let (status, _, errors) = try run("/usr/bin/dcmodify", ["-nb"] + arguments + [path])
        if status != 0 { throw PipelineError.outputWriteFailed(path: path, reason: "dcmodify exited \(status): \(errors)") }
    }

    static func decimalString(_ values: [Double]) -> String {
        values.map { String(format: "%.6f", $0) }.joined(separator: "\\")
    }

    /// Copies of a real single-slice file made into one series: new series and instance UIDs, and
    /// the given positions and orientation. Returns the file paths in slice order.
    @discardableResult
    static func writeSeries(from source: String, into folder: String, positions: [[Double]], orientation: [Double],
                            seriesUID: String = "2.25.\(UInt64.random(in: 1...UInt64.max))", extra: [String] = []) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        for (k, position) in positions.enumerated() {
            let path = folder + "/slice-\(k).dcm"
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: source, toPath: path)
            try dcmodify(path, [
                "-m", "(0020,000e)=\(seriesUID)", "-m", "(0008,0018)=2.25.\(UInt64.random(in: 1...UInt64.max))",
                "-m", "(0020,0013)=\(k + 1)", "-m", "(0020,0032)=\(decimalString(position))",
                "-m", "(0020,0037)=\(decimalString(orientation))",
            ] + extra)
            paths.append(path)
        }
        return paths
    }

    /// Overwrites the native 16-bit pixel data of an uncompressed little-endian file with `values`
    /// (one per pixel, row by row). The element is found by its tag, VR and length, which must match.
    static func replacePixels(in path: String, values: [Int16]) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = UInt32(values.count * 2)
        var pattern: [UInt8] = [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x57, 0x00, 0x00]
        pattern += withUnsafeBytes(of: length.littleEndian, Array.init)
        guard let range = data.lastRange(of: Data(pattern)) else {
            throw PipelineError.outputWriteFailed(path: path, reason: "no native OW pixel data of \(length) bytes")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 2)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        data.replaceSubrange(range.upperBound..<(range.upperBound + bytes.count), with: bytes)
        try data.write(to: URL(fileURLWithPath: path))
    }
}

extension Data {
    /// The last occurrence of `pattern`.
    func lastRange(of pattern: Data) -> Range<Int>? {
        guard pattern.count <= count else { return nil }
        let bytes = [UInt8](self), p = [UInt8](pattern)
        var i = bytes.count - p.count
        while i >= 0 {
            if bytes[i] == p[0] && Array(bytes[i..<(i + p.count)]) == p { return i..<(i + p.count) }
            i -= 1
        }
        return nil
    }
}
