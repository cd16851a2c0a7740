import Checkpoint
import Foundation
import MedIO
import MedVMAD
import Raster

/// Writes one series' outputs, each through a temporary name renamed into place.
struct OutputWriter {
    let spec: PipelineSpec
    let context: JobContext
    let volume: Volume
    /// Anomaly map per voxel (volume order), in the model's map units.
    let map: [Float]
    /// The map strictly above the policy's pixel threshold.
    let mask: [Bool]
    let window: AppliedWindow
    let inference: MedVMADInference
    let policy: DecisionPolicy
    /// Verdicts of the analysed slices by z (empty when the analysis did not step through z).
    let verdicts: [Int: SliceVerdict]
    /// The analysis plane, for the captions of slices without a verdict of their own.
    let plane: String
    /// Whether the analysis stepped through z (else no z slice has a verdict of its own).
    let alongZ: Bool
    let key: String
    let modelHash: String

    /// Absolute paths written for `output`.
    func write(_ output: WriteStage.Output) throws -> [String] {
        switch output {
        case .nifti: return try writeNifti()
        case .png: return try writePNG()
        case .seg: return try writeSeg()
        case .sc: return try writeSecondaryCapture()
        case .overlay: return try writeOverlayCopies()
        }
    }

    func writeNifti() throws -> [String] {
        let writer = NiftiWriter()
        try FileManager.default.createDirectory(atPath: context.outputFolder + "/nifti", withIntermediateDirectories: true)
        let mapTemp = context.temporaryPath(named: "nifti/anomaly-map.nii.gz")
        try writer.writeProbabilityMap(map, like: volume, to: mapTemp,
                                       description: "anomaly map 0-\(String(format: "%g", Double(inference.mapMaximum)))")
        let maskTemp = context.temporaryPath(named: "nifti/anomaly-mask.nii.gz")
        try writer.writeMask(mask.map { $0 ? 1 : 0 }, like: volume, to: maskTemp)
        return [try context.commit(mapTemp, as: "nifti/anomaly-map.nii.gz"), try context.commit(maskTemp, as: "nifti/anomaly-mask.nii.gz")]
    }

    /// One verdict figure per volume slice (z): the native slice (enlarged when small), the map on
    /// the policy's fixed scale, the legend and the verdict burned in.
    func writePNG() throws -> [String] {
        var written: [String] = []
        for z in 0..<volume.size[2] {
            try context.checkDeadline()
            let temp = context.temporaryPath(named: "png/slice-\(String(format: "%04d", z)).png")
            try FileManager.default.createDirectory(atPath: context.outputFolder + "/png", withIntermediateDirectories: true)
            try PNGFile.write(try figure(slice: z), to: temp)
            written.append(try context.commit(temp, as: "png/slice-\(String(format: "%04d", z)).png"))
        }
        return written
    }

    func dicomReference() throws -> DicomSeriesReference {
        guard case let .dicom(reference) = volume.source else {
            throw PipelineError.processingFailed(key: key, reason: "DICOM outputs need a DICOM input; this series is NIfTI")
        }
        return reference
    }

    func settings() throws -> DicomWriterSettings {
        let weights = try FileDigest.sha256(path: spec.infer.model + "/" + InferStage.requiredModelFiles[1])
        let provenance = DicomProvenance(modelName: inference.manifest.name, modelVersion: "format \(inference.manifest.formatVersion)",
                                         weightsSHA256: weights, threshold: Double(policy.imageThreshold.value),
                                         thresholdSource: policy.imageThreshold.description)
        // Deterministic UIDs: redoing a job (after a kill or a retry) rewrites the same objects instead of adding new ones.
        return DicomWriterSettings(uids: try DicomUIDGenerator.deterministic(root: "2.25", seed: key + "|" + modelHash), provenance: provenance)
    }

    func writeSeg() throws -> [String] {
        let reference = try dicomReference()
        let settings = try settings()
        let series = DicomOutputSeries(number: 9901, description: "AI anomaly SEG (not for clinical use)", purpose: "seg",
                                       sourceSeriesUID: reference.seriesInstanceUID, uids: settings.uids)
        try FileManager.default.createDirectory(atPath: context.outputFolder + "/seg", withIntermediateDirectories: true)
        let temp = context.temporaryPath(named: "seg/seg.dcm")
        try DicomSegWriter(settings: settings, series: series).write(volume: volume, mask: mask, to: temp)
        return [try context.commit(temp, as: "seg/seg.dcm")]
    }

    func writeSecondaryCapture() throws -> [String] {
        let reference = try dicomReference()
        let settings = try settings()
        let series = DicomOutputSeries(number: 9902, description: "AI anomaly heatmap (not for clinical use)", purpose: "sc",
                                       sourceSeriesUID: reference.seriesInstanceUID, uids: settings.uids)
        let writer = DicomSecondaryCaptureWriter(settings: settings, series: series)
        var written: [String] = []
        for z in 0..<volume.size[2] {
            try context.checkDeadline()
            let image = try figure(slice: z)
            let name = "sc/sc-\(String(format: "%04d", z + 1)).dcm"
            try FileManager.default.createDirectory(atPath: context.outputFolder + "/sc", withIntermediateDirectories: true)
            let temp = context.temporaryPath(named: name)
            // The figure (enlarged slice plus legend) no longer has the source's grid, so the mask is
            // drawn as an outline in it rather than stored as an overlay plane.
            try writer.write(image: DicomRGBImage(rows: image.height, columns: image.width, pixels: image.pixels), burnedInAnnotation: true,
                             overlay: nil, source: reference.slices[z], instanceNumber: z + 1, to: temp)
            written.append(try context.commit(temp, as: name))
        }
        return written
    }

    func writeOverlayCopies() throws -> [String] {
        let reference = try dicomReference()
        let settings = try settings()
        let series = DicomOutputSeries(number: 9903, description: "AI anomaly overlay (not for clinical use)", purpose: "overlay",
                                       sourceSeriesUID: reference.seriesInstanceUID, uids: settings.uids)
        let writer = DicomOverlayCopyWriter(settings: settings, series: series)
        var written: [String] = []
        let (nx, ny) = (volume.size[0], volume.size[1])
        for z in 0..<volume.size[2] {
            try context.checkDeadline()
            let name = "overlay/overlay-\(String(format: "%04d", z + 1)).dcm"
            try FileManager.default.createDirectory(atPath: context.outputFolder + "/overlay", withIntermediateDirectories: true)
            let temp = context.temporaryPath(named: name)
            try writer.write(source: reference.slices[z], overlay: DicomOverlayMask(rows: ny, columns: nx, mask: sliceMask(z)), to: temp)
            written.append(try context.commit(temp, as: name))
        }
        return written
    }

    func sliceMask(_ z: Int) -> [Bool] {
        let plane = volume.size[0] * volume.size[1]
        return Array(mask[(z * plane)..<((z + 1) * plane)])
    }

    /// Figures are drawn at least this size on their shorter side so the burned-in text stays readable.
    static let figureMinimumSide = 384
    /// Longer side of the report's thumbnails.
    static let thumbnailSide = 160

    /// The windowed slice z in grey.
    func greySlice(_ z: Int) throws -> ByteImage {
        let (nx, ny) = (volume.size[0], volume.size[1])
        let plane = nx * ny
        return try ByteImage(width: nx, height: ny, mode: .gray, pixels: window.grey(Array(volume.voxels[(z * plane)..<((z + 1) * plane)])))
    }

    /// The map of slice z.
    func mapSlice(_ z: Int) throws -> FloatImage {
        let (nx, ny) = (volume.size[0], volume.size[1])
        let plane = nx * ny
        return try FloatImage(width: nx, height: ny, values: Array(map[(z * plane)..<((z + 1) * plane)]))
    }

    /// The verdict figure of slice z, with the mask outlined; slices without a verdict of their own
    /// (skipped as empty, or analysed along another plane) say so in place of the verdict.
    func figure(slice z: Int) throws -> ByteImage {
        let figure = VerdictFigure(policy: policy, minimumSide: Self.figureMinimumSide)
        var slice = try greySlice(z)
        var m = try mapSlice(z)
        var outline = try FloatImage(width: m.width, height: m.height, values: sliceMask(z).map { $0 ? 1 : 0 })
        let side = min(slice.width, slice.height)
        if side < Self.figureMinimumSide {
            // Enlarged here (not inside the figure) so that the mask outline is enlarged with the slice.
            let f = Double(Self.figureMinimumSide) / Double(side)
            let (w, h) = (Int((Double(slice.width) * f).rounded()), Int((Double(slice.height) * f).rounded()))
            slice = try slice.resized(width: w, height: h, filter: .bicubic)
            m = try m.resized(width: w, height: h, filter: .bilinear)
            outline = try outline.resized(width: w, height: h, filter: .nearest)
        }
        if let verdict = verdicts[z] {
            return try figure.render(slice: slice, map: m, verdict: verdict, mask: outline)
        }
        let t = policy.imageThreshold
        let why = alongZ ? "not analysed (empty slice)" : "analysed along the \(plane) plane; verdicts in results.json"
        let captions = ["slice \(why)", "threshold: \(String(format: "%.3f", Double(t.value))) (\(t.description))", "scale: \(policy.scale.description)"]
        let annotated = AnnotatedHeatmap(renderer: HeatmapRenderer(colormap: figure.colormap, scale: policy.scale.colorScale, alpha: figure.alpha),
                                         legendTitle: "anomaly", decimals: 2, captions: captions)
        return try annotated.render(map: m, on: slice, mask: outline)
    }

    /// A small heat map of slice z (no text; the report states the verdict next to it), on the policy's scale.
    func writeThumbnail(slice z: Int, as name: String) throws -> String {
        let renderer = HeatmapRenderer(colormap: .inferno, scale: policy.scale.colorScale, alpha: 0.6)
        var image = try renderer.overlay(map: try mapSlice(z), on: try greySlice(z))
        let f = Double(Self.thumbnailSide) / Double(max(image.width, image.height))
        image = try image.resized(width: max(1, Int((Double(image.width) * f).rounded())), height: max(1, Int((Double(image.height) * f).rounded())),
                                  filter: f > 1 ? .bilinear : .bicubic)
        try FileManager.default.createDirectory(atPath: context.outputFolder + "/thumbnails", withIntermediateDirectories: true)
        let temp = context.temporaryPath(named: name)
        try PNGFile.write(image, to: temp)
        return try context.commit(temp, as: name)
    }
}
