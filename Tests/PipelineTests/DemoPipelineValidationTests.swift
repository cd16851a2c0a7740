import Foundation
import Logging
import MedIO
import Testing
@testable import Pipeline

/// The shipped `pipelines/demo.yaml` on `sample-data/` with the demo model: its outputs pass
/// dciodvfy (no `Error` lines), highdicom reads the SEG and maps its frames to the source instances,
/// pydicom reads the SCs and overlay copies, nibabel reads the NIfTI outputs with the input's affine
/// and shape.
///
/// The file is used as shipped (model, selection, preparation, outputs, report) except that by
/// default its 181-slice brain volume is left out of the ingest globs: a debug build needs minutes
/// for it. NIfTI inputs are covered by `InferClinicalTests.niftiOutputsKeepTheInputGrid`;
/// MEDVMAD_FULL_DEMO=1 runs the complete file, volume included.
@Suite final class DemoPipelineValidationTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("demo")
    }

    deinit {
        // MEDVMAD_KEEP_TEST_OUTPUT keeps the inputs and outputs for inspection.
        if ProcessInfo.processInfo.environment["MEDVMAD_KEEP_TEST_OUTPUT"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else {
            print("kept \(root)")
        }
    }

    @Test func demoOutputsPassTheValidators() throws {
        let repository = PipelineTestSupport.repositoryRoot
        let loaded = PipelineLoader.load(path: repository + "/pipelines/demo.yaml", environment: PipelineTestSupport.environment())
        var spec = try #require(loaded.spec, "\(loaded.diagnostics)")
        #expect(loaded.errors.isEmpty, "\(loaded.diagnostics)")
        let full = ProcessInfo.processInfo.environment["MEDVMAD_FULL_DEMO"] != nil
        let volume = PipelineTestSupport.repositoryRoot + "/sample-data/brain-mri/ch2bet.nii.gz"
        if !full {
            let globs = spec.ingest.globs.filter { !NiftiFileName.matches($0) }
            #expect(globs.count == spec.ingest.globs.count - 1, "the demo names one NIfTI volume: \(spec.ingest.globs)")
            spec.ingest.globs = globs
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let output = root + "/demo-output"
        let summary = try PipelineRunner(spec: spec, outputRoot: output, processor: MedVMADSeriesProcessor(spec: spec), logger: logger,
                                         interactiveProgress: false).run()
        // The two MR images the demo's globs name, and the brain volume when it is included.
        #expect(summary.completed == (full ? 3 : 2) && summary.failed == 0, "\(summary.failures)")

        let dicom = ClinicalTestSupport.dicomFiles(under: output)
        #expect(dicom.contains { $0.hasSuffix("/seg/seg.dcm") } && dicom.contains { $0.contains("/sc/") } && dicom.contains { $0.contains("/overlay/") })
        for path in dicom {
            #expect(try ClinicalTestSupport.dciodvfyErrors(path) == [], "\(path)")
        }
        guard ClinicalTestSupport.python != nil else {
            print("MEDVMAD_PYTHON unset: skipping the highdicom/pydicom/nibabel checks of the demo outputs")
            return
        }
        let sources = ["MR_small.dcm", "examples_overlay.dcm"].map { repository + "/sample-data/dicom/" + $0 }
        let (status, text) = try ClinicalTestSupport.checkWithValidators(
            ["outputs": [["folder": output]], "dicom_sources": sources,
             "nifti_inputs": full ? [volume] : [], "expect_series": full ? 3 : 2], in: root)
        #expect(status == 0 && text.contains("checked \(full ? 3 : 2) series, 0 problems"), "\(text)")
    }
}
