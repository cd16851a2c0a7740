import Foundation
import Logging
import MedIO
import Testing
@testable import Pipeline

/// The shipped `pipelines/demo.yaml`, run as shipped on `sample-data/` with the demo model: its
/// outputs pass dciodvfy (no `Error` lines), highdicom reads the SEG and maps its frames to the
/// source instances, pydicom reads the SCs and overlay copies, nibabel reads the NIfTI outputs with
/// the input's affine and shape.
@Suite final class DemoPipelineValidationTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("demo")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test func demoOutputsPassTheValidators() throws {
        let repository = PipelineTestSupport.repositoryRoot
        let loaded = PipelineLoader.load(path: repository + "/pipelines/demo.yaml", environment: PipelineTestSupport.environment())
        let spec = try #require(loaded.spec, "\(loaded.diagnostics)")
        #expect(loaded.errors.isEmpty, "\(loaded.diagnostics)")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let output = root + "/demo-output"
        let summary = try PipelineRunner(spec: spec, outputRoot: output, processor: MedVMADSeriesProcessor(spec: spec), logger: logger,
                                         interactiveProgress: false).run()
        // The brain volume and the two MR images the demo's globs name.
        #expect(summary.completed == 3 && summary.failed == 0, "\(summary.failures)")

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
             "nifti_inputs": [repository + "/sample-data/brain-mri/ch2bet.nii.gz"], "expect_series": 3], in: root)
        #expect(status == 0 && text.contains("checked 3 series, 0 problems"), "\(text)")
    }
}
