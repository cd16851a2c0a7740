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
    /// Anomaly probability per voxel (volume order).
    let probability: [Float]
    let mask: [Bool]
    let window: AppliedWindow
    let inference: MedVMADInference
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
        let mapTemp = context.temporaryPath(named: "anomaly-map.nii.gz")
        try writer.writeProbabilityMap(probability, like: volume, to: mapTemp)
        let maskTemp = context.temporaryPath(named: "anomaly-mask.nii.gz")
        try writer.writeMask(mask.map { $0 ? 1 : 0 }, like: volume, to: maskTemp)
        return [try context.commit(mapTemp, as: "anomaly-map.nii.gz"), try context.commit(maskTemp, as: "anomaly-mask.nii.gz")]
    }

    /// One heatmap PNG per volume slice (z), on the native grid.
    func writePNG() throws -> [String] {
        var written: [String] = []
        for z in 0..<volume.size[2] {
            let (rgb, nx, ny) = heatmap(slice: z)
            let temp = context.temporaryPath(named: "png/slice-\(String(format: "%04d", z)).png")
            try FileManager.default.createDirectory(atPath: context.outputFolder + "/png", withIntermediateDirectories: true)
            try PNGFile.write(try ByteImage(width: nx, height: ny, mode: .rgb, pixels: rgb), to: temp)
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
                                         weightsSHA256: weights, threshold: spec.infer.threshold, thresholdSource: "pipeline \(spec.name)")
        // Deterministic UIDs: redoing a job (after a kill or a retry) rewrites the same objects instead of adding new ones.
        return DicomWriterSettings(uids: try DicomUIDGenerator.deterministic(root: "2.25", seed: key + "|" + modelHash), provenance: provenance)
    }

    func writeSeg() throws -> [String] {
        let reference = try dicomReference()
        let settings = try settings()
        let series = DicomOutputSeries(number: 9901, description: "AI anomaly SEG (not for clinical use)", purpose: "seg",
                                       sourceSeriesUID: reference.seriesInstanceUID, uids: settings.uids)
        let temp = context.temporaryPath(named: "seg.dcm")
        try DicomSegWriter(settings: settings, series: series).write(volume: volume, mask: mask, to: temp)
        return [try context.commit(temp, as: "seg.dcm")]
    }

    func writeSecondaryCapture() throws -> [String] {
        let reference = try dicomReference()
        let settings = try settings()
        let series = DicomOutputSeries(number: 9902, description: "AI anomaly heatmap (not for clinical use)", purpose: "sc",
                                       sourceSeriesUID: reference.seriesInstanceUID, uids: settings.uids)
        let writer = DicomSecondaryCaptureWriter(settings: settings, series: series)
        var written: [String] = []
        for z in 0..<volume.size[2] {
            let (rgb, nx, ny) = heatmap(slice: z)
            let name = "sc/sc-\(String(format: "%04d", z + 1)).dcm"
            try FileManager.default.createDirectory(atPath: context.outputFolder + "/sc", withIntermediateDirectories: true)
            let temp = context.temporaryPath(named: name)
            try writer.write(image: DicomRGBImage(rows: ny, columns: nx, pixels: rgb), burnedInAnnotation: false,
                             overlay: DicomOverlayMask(rows: ny, columns: nx, mask: sliceMask(z)),
                             source: reference.slices[z], instanceNumber: z + 1, to: temp)
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

    /// The windowed slice in grey with the probability blended in red-to-yellow where it is at least
    /// half the threshold (lower values stay grey so the anatomy remains readable).
    func heatmap(slice z: Int) -> ([UInt8], Int, Int) {
        let (nx, ny) = (volume.size[0], volume.size[1])
        let plane = nx * ny
        let grey = window.grey(Array(volume.voxels[(z * plane)..<((z + 1) * plane)]))
        let floor = Float(spec.infer.threshold) / 2
        var rgb = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            let g = Float(grey[i])
            let p = probability[z * plane + i]
            guard p >= floor else {
                rgb[3 * i] = grey[i]; rgb[3 * i + 1] = grey[i]; rgb[3 * i + 2] = grey[i]
                continue
            }
            let alpha: Float = 0.5
            let red: Float = 255, green = 255 * min(max(p, 0), 1)
            rgb[3 * i] = UInt8(min(255, g * (1 - alpha) + red * alpha))
            rgb[3 * i + 1] = UInt8(min(255, g * (1 - alpha) + green * alpha))
            rgb[3 * i + 2] = UInt8(min(255, g * (1 - alpha)))
        }
        return (rgb, nx, ny)
    }
}
