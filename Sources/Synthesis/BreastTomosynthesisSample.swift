import Foundation
import Raster

/// The synthetic DBT sample folder: the DICOM object, its mask, a preview and a README.
public enum BreastTomosynthesisSample {
    /// File names inside the sample folder.
    public static let dicomName = "breast_tomosynthesis.dcm"
    public static let maskName = "mass_mask.nii.gz"
    public static let previewName = "mass_plane.png"
    public static let previewMaskName = "mass_plane_mask.png"

    /// Makes the phantom for `options` and writes the folder `output` (created if needed; the four
    /// files and README.md are replaced). `command` is quoted in the README.
    @discardableResult
    public static func write(options: BreastPhantomOptions, to output: String, command: String) throws -> BreastPhantom {
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw SynthesisError.writeFailed(path: output, reason: error.localizedDescription)
        }
        let phantom = try BreastPhantom(options: options)
        try BreastTomosynthesisWriter().write(phantom, dicomPath: "\(output)/\(dicomName)", maskPath: "\(output)/\(maskName)")
        let o = options
        let plane = min(o.frames - 1, max(0, Int(phantom.massCenter[2].rounded())))
        let count = o.rows * o.columns
        let start = plane * count
        // Preview with the file's own window (centre 1600, width 2800).
        let grey = phantom.voxels[start..<(start + count)].map { v -> UInt8 in
            UInt8(min(255, max(0, ((Double(v) - 200) / 2800 * 255).rounded())))
        }
        let mask = phantom.mask[start..<(start + count)].map { $0 != 0 ? UInt8(255) : 0 }
        do {
            try PNGFile.write(try ByteImage(width: o.columns, height: o.rows, mode: .gray, pixels: grey), to: "\(output)/\(previewName)")
            try PNGFile.write(try ByteImage(width: o.columns, height: o.rows, mode: .gray, pixels: mask), to: "\(output)/\(previewMaskName)")
            try readme(phantom, plane: plane, command: command).write(toFile: "\(output)/README.md", atomically: true, encoding: .utf8)
        } catch let error as SynthesisError {
            throw error
        } catch {
            throw SynthesisError.writeFailed(path: output, reason: "\(error)")
        }
        return phantom
    }

    static func readme(_ p: BreastPhantom, plane: Int, command: String) -> String {
        let o = p.options
        let voxels = p.mask.filter { $0 != 0 }.count
        return """
        # Synthetic breast tomosynthesis volume (SYNTHETIC, NOT A PATIENT)

        No real breast tomosynthesis data is available to this project, so this volume is **computed**:
        a compressed breast (half-ellipse against the chest wall, denser skin rim, fibroglandular texture
        from band-limited 3-D noise) with **one synthetic spiculated mass** (perturbed ellipsoid core with
        tapering spicules). It is meant for exercising the DICOM path and demos, not for any clinical claim.

        | file | content |
        |---|---|
        | `\(dicomName)` | Breast Tomosynthesis Image Storage (SOP class 1.2.840.10008.5.1.4.1.1.13.1.3), one multi-frame file: \(o.frames) planes of \(o.rows)×\(o.columns), MONOCHROME2, 16 bits allocated / 12 stored, pixel spacing \(o.pixelSpacing) mm, plane spacing and thickness \(o.sliceThickness) mm; right CC view. Shared functional groups: Pixel Measures, Plane Orientation, Frame Anatomy, Frame VOI LUT, Pixel Value Transformation (identity); per frame: Plane Position, X-Ray 3D Frame Type, Frame Content (stack 1, in-stack position = dimension index). SeriesDescription, ImageComments, ContentQualification (RESEARCH) and PatientName say SYNTHETIC. |
        | `\(maskName)` | ground-truth mass mask, uint8 NIfTI on exactly the DICOM grid (\(voxels) voxels are 1): voxels where the mass blend weight is at least ½ |
        | `\(previewName)`, `\(previewMaskName)` | plane \(plane) (through the mass centre) windowed to 8-bit, and its mask |

        The project's tests check the object with `dciodvfy` (dicom3tools; no Error line allowed) and load it
        through the project's own DICOM reader (`DicomScan`), which must give one volume with this grid.

        Mass centre (column, row, plane): \(p.massCenter.map { String(format: "%.1f", $0) }.joined(separator: ", ")).
        UIDs are derived from the seed (\(o.seed)) under the 2.25 root and dates are fixed, so the same
        command writes the same bytes. Made by:

        ```
        \(command)
        ```

        """
    }
}
