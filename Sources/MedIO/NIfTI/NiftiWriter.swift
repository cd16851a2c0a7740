import CNIfTIShim
import Foundation

/// Writes per-voxel results (a float32 probability map, a uint8 mask) on exactly the grid of a volume.
///
/// - For a volume read from NIfTI, the source header's qform and sform (codes, quaternion, offsets,
///   qfac, pixdim, sform rows) are copied verbatim, so ITK-SNAP and 3D Slicer overlay the result on
///   the source whichever transform they trust.
/// - For a volume from DICOM, the LPS `indexToPatient` becomes a RAS affine (first two rows negated),
///   written as both sform and qform with code 1 (scanner anatomical).
/// - Outputs are NIfTI-1 (viewers read it everywhere). A NIfTI-2 source's transforms are written in
///   NIfTI-1's float32 fields, and a grid with a side over 32767 is refused with `writeFailed`.
/// - Each file is written under a temporary name in the target folder, renamed into place, then
///   read back once and compared (grid, transforms and every value).
public struct NiftiWriter: Sendable {
    /// Reads the written file back; the caps never refuse our own output.
    private let reader = NiftiReader(limits: .init(maxVoxels: Int.max, maxFileBytes: Int.max))

    public init() {}

    /// Writes probabilities (one per voxel, volume order) as float32. `path` ends in `.nii` or `.nii.gz`.
    public func writeProbabilityMap(_ values: [Float], like volume: Volume, to path: String,
                                    description: String = "anomaly probability") throws {
        try writeVerified(values, datatype: Int32(NIFTISHIM_DT_FLOAT32), intent: Int32(NIFTISHIM_INTENT_ESTIMATE),
                          description: description, like: volume, to: path, expected: values)
    }

    /// Writes a label mask (one byte per voxel, volume order; 1 = anomalous) as uint8.
    public func writeMask(_ mask: [UInt8], like volume: Volume, to path: String,
                          description: String = "anomaly mask") throws {
        try writeVerified(mask, datatype: Int32(NIFTISHIM_DT_UINT8), intent: Int32(NIFTISHIM_INTENT_LABEL),
                          description: description, like: volume, to: path, expected: mask.map(Float.init))
    }

    /// Writes `data`, then reads the file back and compares grid, affine and every value with `expected`.
    private func writeVerified<T>(_ data: [T], datatype: Int32, intent: Int32, description: String, like volume: Volume,
                                  to path: String, expected: [Float]) throws {
        guard data.count == volume.voxels.count else {
            throw NiftiError.sizeMismatch(path: path, expected: volume.voxels.count, got: data.count)
        }
        try data.withUnsafeBytes { raw in
            try write(raw, datatype: datatype, like: volume, to: path, calMin: 0, calMax: 1, intent: intent,
                      description: description)
        }
        let back = try reader.read(path: path)
        try checkReadBack(back, like: volume, path: path)
        // Bitwise: values are stored unscaled in a type that holds them exactly, so nothing may change.
        for i in expected.indices where back.voxels[i].bitPattern != expected[i].bitPattern
            && !(back.voxels[i].isNaN && expected[i].isNaN) {
            throw NiftiError.readBackMismatch(path: path, reason: "voxel \(i) is \(back.voxels[i]), wrote \(expected[i])")
        }
    }

    /// The header geometry an output on `volume`'s grid carries.
    public static func geometry(for volume: Volume) -> NiftiGeometry {
        if case .nifti(let reference) = volume.source, let g = reference.geometry { return g }
        let ras: [Double]
        var qformCode = 1, sformCode = 1
        switch volume.source {
        case .nifti(let reference):
            ras = reference.rasAffine
            qformCode = reference.qformCode
            sformCode = reference.sformCode
        case .dicom:
            ras = Affine4x4.flipRASLPS(volume.indexToPatient)
        }
        var quaternion = [Double](repeating: 0, count: 3)
        var offset = [Double](repeating: 0, count: 3)
        var pixdim = [Double](repeating: 0, count: 3)
        var qfac = 1.0
        niftishim_affine_to_quatern(ras, &quaternion, &offset, &pixdim, &qfac)
        return NiftiGeometry(version: 1, qformCode: qformCode, sformCode: sformCode,
                             quaternion: quaternion, quaternionOffset: offset, qfac: qfac, pixdim: pixdim,
                             sformRows: Array(ras[0..<12]), spatialUnits: Int(NIFTISHIM_UNITS_MM))
    }

    private func write(_ data: UnsafeRawBufferPointer, datatype: Int32, like volume: Volume, to path: String,
                       calMin: Double, calMax: Double, intent: Int32, description: String) throws {
        let g = Self.geometry(for: volume)
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let compressed = name.hasSuffix(".nii.gz")
        guard compressed || name.hasSuffix(".nii") else {
            throw NiftiError.writeFailed(path: path, reason: "the name must end in .nii or .nii.gz")
        }
        // Same folder (so the rename is atomic) and same extension (nifti_clib picks compression from it).
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(UUID().uuidString).tmp" + (compressed ? ".nii.gz" : ".nii")).path
        var geometry = niftishim_geometry()
        geometry.qform_code = Int32(g.qformCode)
        geometry.sform_code = Int32(g.sformCode)
        geometry.quatern = (g.quaternion[0], g.quaternion[1], g.quaternion[2])
        geometry.qoffset = (g.quaternionOffset[0], g.quaternionOffset[1], g.quaternionOffset[2])
        geometry.qfac = g.qfac
        geometry.pixdim = (g.pixdim[0], g.pixdim[1], g.pixdim[2])
        withUnsafeMutableBytes(of: &geometry.srow) { raw in
            let rows = raw.bindMemory(to: Double.self)
            for i in 0..<12 { rows[i] = g.sformRows[i] }
        }
        geometry.xyz_units = Int32(g.spatialUnits)
        let dims = volume.size.map { Int64($0) }
        var message = [CChar](repeating: 0, count: 256)
        let rc = niftishim_write(temp, 1, dims, &geometry, datatype, data.baseAddress, calMin, calMax,
                                 intent, description, &message, message.count)
        guard rc == Int32(NIFTISHIM_OK) else {
            try? FileManager.default.removeItem(atPath: temp)
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw NiftiError.writeFailed(path: path, reason: reason)
        }
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temp)
            throw NiftiError.writeFailed(path: path, reason: "rename from temporary file failed: \(reason)")
        }
    }

    private func checkReadBack(_ back: Volume, like volume: Volume, path: String) throws {
        guard back.size == volume.size else {
            throw NiftiError.readBackMismatch(path: path, reason: "grid \(back.size), expected \(volume.size)")
        }
        // NIfTI-1 stores the sform in float32, so an affine from DICOM (double) comes back rounded.
        let expected = volume.indexToPatient
        for i in 0..<16 {
            let tolerance = 1e-5 * max(1, abs(expected[i]))
            guard abs(back.indexToPatient[i] - expected[i]) <= tolerance else {
                throw NiftiError.readBackMismatch(
                    path: path, reason: "affine entry \(i) is \(back.indexToPatient[i]), expected \(expected[i])")
            }
        }
    }
}
