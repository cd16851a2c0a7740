import Foundation
import MedIO
import Testing
@testable import Pipeline

/// `medvmad infer` on DICOM and NIfTI inputs (through `InferBatch`, which the command wraps): series
/// grouping, per-series outputs and results.json, bad series reported while the rest continue.
@Suite final class InferClinicalTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("infer-clinical")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Three copies of the real CT_small as one axial series 2.5 mm apart.
    func writeCTSeries(_ folder: String) throws -> [String] {
        let ct = ClinicalTestSupport.sampleDicom + "/CT_small.dcm"
        let origin = [-158.135803, -179.035797, -75.699997]
        return try ClinicalTestSupport.writeSeries(from: ct, into: folder, positions: (0..<3).map { [origin[0], origin[1], origin[2] + 2.5 * Double($0)] },
                                                   orientation: [1, 0, 0, 0, 1, 0])
    }

    @Test func dicomAndNiftiInputsWithBadSeriesInOneBatch() throws {
        try ClinicalTestSupport.makeModel(at: root + "/model")
        let input = root + "/in"
        let ctFiles = try writeCTSeries(input + "/ct")
        try PipelineTestSupport.writeVolume(input + "/vol.nii.gz", size: [20, 16, 3], seed: 0)
        // Bad inputs, each its own series or file: two slices at one position, a truncated file, a
        // gzip stream that does not inflate, huge declared dimensions; plus a Structured Report and a
        // text file, which are not images but not errors either.
        let mr = ClinicalTestSupport.sampleDicom + "/MR_small.dcm"
        let position = [-83.9063, -91.2, 6.6406]
        try ClinicalTestSupport.writeSeries(from: mr, into: input + "/duplicate", positions: [position, position], orientation: [1, 0, 0, 0, 1, 0])
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.sampleDicom + "/MR_truncated.dcm", toPath: input + "/MR_truncated.dcm")
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.niftiFixtures + "/corrupt_inflate_anatomical.nii.gz", toPath: input + "/corrupt.nii.gz")
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.niftiFixtures + "/huge_dims.nii", toPath: input + "/huge.nii")
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.sampleDicom + "/test-SR.dcm", toPath: input + "/report.dcm")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: input + "/notes.txt"))

        let output = root + "/out"
        let (outcomes, skipped) = try ClinicalTestSupport.infer([input], model: root + "/model", output: output, threshold: 0.3)
        let ctHeader = try DicomHeader.read(path: ctFiles[0])
        let ctKey = "dicom/\(ctHeader.studyInstanceUID)/\(ctHeader.seriesInstanceUID)"
        let byKey = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.key, $0) })
        #expect(outcomes.count == 5, "\(outcomes.map(\.key))")
        let good = [ctKey, "nifti/vol.nii.gz"]
        for key in good { #expect(byKey[key]?.error == nil, "\(key): \(byKey[key]?.error ?? "missing")") }
        let failed = outcomes.filter { $0.error != nil }
        #expect(failed.count == 3, "\(outcomes.map { ($0.key, $0.error ?? "ok") })")
        #expect(Set(failed.map(\.key)).isDisjoint(with: good))
        // Every failed series has its own results.json with the error, and no other files.
        for outcome in failed {
            let folder = output + "/" + outcome.folder
            let results = try ClinicalTestSupport.json(folder + "/results.json")
            #expect(results["outcome"] as? String == "failed" && (results["error"] as? String) == outcome.error)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["results.json"])
        }
        #expect(byKey["nifti/corrupt.nii.gz"]?.error?.contains("corrupt.nii.gz") == true, "\(byKey["nifti/corrupt.nii.gz"]?.error ?? "")")
        #expect(failed.contains { $0.error!.lowercased().contains("duplicate") }, "\(failed.map(\.error))")
        // The truncated file cannot even be grouped into a series: it is a failed input of its own.
        #expect(skipped.contains { $0.path.hasSuffix("MR_truncated.dcm") && $0.failed }, "\(skipped)")
        // Not-image files are listed, not counted as failures.
        #expect(skipped.contains { $0.path.hasSuffix("report.dcm") && !$0.failed })
        #expect(skipped.contains { $0.path.hasSuffix("notes.txt") && !$0.failed })

        // The DICOM series: every output kind, one figure / overlay copy per slice, and results.json
        // with per-slice scores, the flagged slices under the stated threshold and the window used.
        let ct = output + "/" + byKey[ctKey]!.folder
        for sub in ["sc", "overlay", "png"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: ct + "/" + sub).filter { !$0.hasPrefix(".") }.count == 3, "\(sub)")
        }
        for file in ["seg/seg.dcm", "nifti/anomaly-map.nii.gz", "nifti/anomaly-mask.nii.gz"] {
            #expect(FileManager.default.fileExists(atPath: ct + "/" + file), "\(file)")
        }
        let results = try ClinicalTestSupport.json(ct + "/results.json")
        let scores = (results["sliceScores"] as! [[String: Any]]).map { $0["score"] as! Double }
        #expect(scores.count == 3)
        #expect(results["abnormalSlices"] as! [Int] == scores.indices.filter { scores[$0] > 0.3 })
        // Thresholds are Float in the model's units: 0.3 as a Float.
        #expect(results["threshold"] as? Double == Double(Float(0.3)))
        // CT is windowed with the liver preset (−200…250 HU) by default.
        let window = results["window"] as! [String: Any]
        #expect(window["lower"] as? Double == -200 && window["upper"] as? Double == 250)
        // Written objects pass dciodvfy.
        for path in ClinicalTestSupport.dicomFiles(under: ct) {
            #expect(try ClinicalTestSupport.dciodvfyErrors(path) == [], "\(path)")
        }
        // The SEG references the three source instances of the series.
        let segText = try ClinicalTestSupport.run("/usr/bin/dcmdump", ["+P", "0008,1155", ct + "/seg/seg.dcm"]).output
        for file in ctFiles {
            #expect(segText.contains(try DicomHeader.read(path: file).sopInstanceUID), "\(file)")
        }

        // The NIfTI volume: NIfTI and PNG only, with the DICOM outputs noted as not written.
        let vol = output + "/" + byKey["nifti/vol.nii.gz"]!.folder
        #expect(FileManager.default.fileExists(atPath: vol + "/nifti/anomaly-map.nii.gz"))
        #expect(!FileManager.default.fileExists(atPath: vol + "/seg") && !FileManager.default.fileExists(atPath: vol + "/sc"))
        let volResults = try ClinicalTestSupport.json(vol + "/results.json")
        #expect((volResults["warnings"] as! [String]).contains("seg not written: the input is NIfTI"))
    }

    /// `--formats` chooses the outputs; nothing else is written.
    @Test func formatsChooseTheOutputs() throws {
        try ClinicalTestSupport.makeModel(at: root + "/model")
        _ = try writeCTSeries(root + "/in")
        let output = root + "/out"
        let (outcomes, _) = try ClinicalTestSupport.infer([root + "/in"], model: root + "/model", output: output, formats: [.seg, .nifti])
        #expect(outcomes.count == 1 && outcomes[0].error == nil, "\(outcomes)")
        let folder = output + "/" + outcomes[0].folder
        // No thumbnails/ either: those are the HTML report's previews, and infer writes no report.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["nifti", "results.json", "seg"])
    }

    /// The command itself: exit status 3 when a series failed, the error on stderr and in the
    /// top-level and per-series results.json, and the other series processed.
    @Test func commandExitStatusSaysSomeSeriesFailed() throws {
        guard let binary = Self.builtCommand() else {
            print("medvmad binary not built next to the tests; skipping the command-line check")
            return
        }
        try ClinicalTestSupport.makeModel(at: root + "/model")
        try PipelineTestSupport.writeVolume(root + "/in/vol.nii.gz", size: [20, 16, 2], seed: 0)
        try FileManager.default.copyItem(atPath: ClinicalTestSupport.niftiFixtures + "/corrupt_inflate_anatomical.nii.gz", toPath: root + "/in/corrupt.nii.gz")
        let output = root + "/out"
        let (status, stdout, stderr) = try ClinicalTestSupport.run(binary, ["infer", "--model", root + "/model", "--output", output,
                                                                           "--formats", "nifti,png", root + "/in"])
        #expect(status == 3, "stdout: \(stdout)\nstderr: \(stderr)")
        #expect(stderr.contains("nifti/corrupt.nii.gz:"), "\(stderr)")
        let summary = try ClinicalTestSupport.json(output + "/results.json")
        let series = summary["series"] as! [[String: Any]]
        #expect(Set(series.map { "\($0["key"]!)=\($0["status"]!)" }) == ["nifti/vol.nii.gz=done", "nifti/corrupt.nii.gz=failed"])
        #expect(FileManager.default.fileExists(atPath: output + "/nifti/vol/nifti/anomaly-mask.nii.gz"))
        #expect(try ClinicalTestSupport.json(output + "/nifti/corrupt/results.json")["error"] is String)

        // An unknown format is refused before anything runs.
        let refused = try ClinicalTestSupport.run(binary, ["infer", "--model", root + "/model", "--output", root + "/out2", "--formats", "jpeg", root + "/in"])
        #expect(refused.status != 0 && refused.status != 3 && refused.errors.contains("jpeg"))
    }

    /// NIfTI inputs give a probability map and a mask that nibabel loads with exactly the input's
    /// affine and shape: an oblique real volume with qform and sform, and one with an sform only.
    @Test func niftiOutputsKeepTheInputGrid() throws {
        try ClinicalTestSupport.makeModel(at: root + "/model")
        let inputs = ["oblique_anatomical.nii.gz", "scaled_int16.nii.gz"].map { ClinicalTestSupport.niftiFixtures + "/" + $0 }
        for input in inputs { try FileManager.default.copyItem(atPath: input, toPath: root + "/" + (input as NSString).lastPathComponent) }
        let copies = inputs.map { root + "/" + ($0 as NSString).lastPathComponent }
        let output = root + "/out"
        let (outcomes, _) = try ClinicalTestSupport.infer(copies, model: root + "/model", output: output, formats: [.nifti])
        #expect(outcomes.count == 2 && outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        for outcome in outcomes {
            let input = try #require(copies.first { outcome.key.hasSuffix(($0 as NSString).lastPathComponent) })
            let source = try NiftiReader().readHeader(path: input)
            for name in ["anomaly-map.nii.gz", "anomaly-mask.nii.gz"] {
                let header = try NiftiReader().readHeader(path: output + "/" + outcome.folder + "/nifti/" + name)
                #expect(header.gridSize == source.gridSize && header.qformCode == source.qformCode && header.sformCode == source.sformCode)
                #expect(header.qformAffine == source.qformAffine, "\(name)")
                if source.sformCode > 0 { #expect(header.sformAffine == source.sformAffine, "\(name)") }
            }
        }
        guard ClinicalTestSupport.python != nil else {
            print("MEDVMAD_PYTHON unset: skipping the nibabel check of NIfTI outputs")
            return
        }
        let (status, text) = try ClinicalTestSupport.checkWithValidators(
            ["outputs": [["folder": output]], "nifti_inputs": copies, "expect_series": 2], in: root)
        #expect(status == 0 && text.contains("checked 2 series, 0 problems"), "\(text)")
    }

    /// The `medvmad` executable built beside the test bundle, if any.
    static func builtCommand() -> String? {
        let bundle = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        for folder in [bundle, bundle.deletingLastPathComponent(), URL(fileURLWithPath: PipelineTestSupport.repositoryRoot + "/.build/debug")] {
            let path = folder.appendingPathComponent("medvmad").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
