import CDcmBridge
import Foundation
import MedIO

/// Writes a `BreastPhantom` as a Breast Tomosynthesis Image Storage object (one multi-frame DICOM
/// file, SOP class 1.2.840.10008.5.1.4.1.1.13.1.3) with its mass mask as NIfTI on the same grid.
///
/// The object is a right cranio-caudal view: image columns run from the chest wall toward the nipple
/// (patient anterior), rows toward the patient's right (lateral), planes step inferior by the slice
/// thickness. Functional groups: shared Pixel Measures, Plane Orientation, Frame Anatomy,
/// Frame VOI LUT and Pixel Value Transformation (identity); per frame Plane Position, X-Ray 3D Frame Type and
/// Frame Content (stack 1, in-stack positions 1…n as the two dimension indices). SeriesDescription,
/// ImageComments, ContentQualification (RESEARCH) and the patient name all say it is synthetic.
/// UIDs derive from the seed under the 2.25 root, dates are fixed, so the same seed gives the same bytes.
public struct BreastTomosynthesisWriter: Sendable {
    /// Row direction (along a row, increasing column) then column direction, LPS.
    public static let orientation: [Double] = [0, -1, 0, -1, 0, 0]
    /// Position of the first pixel of the first plane, LPS mm.
    public static let origin: [Double] = [40, -10, 30]
    /// Fixed study date and time: the file must not change between runs.
    static let date = "20260101", time = "120000"

    /// The writer holds no state.
    public init() {}

    /// ImagePositionPatient of each plane: origin + k·thickness·normal, normal = row × column direction.
    public static func positions(frames: Int, sliceThickness: Double) -> [[Double]] {
        let n = normal
        return (0..<frames).map { k in (0..<3).map { origin[$0] + Double(k) * sliceThickness * n[$0] } }
    }

    static var normal: [Double] {
        let r = Array(orientation[0..<3]), c = Array(orientation[3..<6])
        return [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
    }

    /// The index-to-patient affine (4×4 row-major, LPS) of the phantom's grid as written.
    public static func indexToPatient(_ o: BreastPhantomOptions) -> [Double] {
        let r = Array(orientation[0..<3]).map { $0 * o.pixelSpacing }
        let c = Array(orientation[3..<6]).map { $0 * o.pixelSpacing }
        let n = normal.map { $0 * o.sliceThickness }
        return [r[0], c[0], n[0], origin[0],
                r[1], c[1], n[1], origin[1],
                r[2], c[2], n[2], origin[2],
                0, 0, 0, 1]
    }

    /// Writes `phantom` to `dicomPath` and its mask to `maskPath` (`.nii` or `.nii.gz`).
    public func write(_ phantom: BreastPhantom, dicomPath: String, maskPath: String) throws {
        let o = phantom.options
        let uids: DicomUIDGenerator
        do {
            uids = try DicomUIDGenerator.deterministic(root: "2.25", seed: "synthetic-dbt-\(o.seed)")
        } catch {
            throw SynthesisError.writeFailed(path: dicomPath, reason: "\(error)")
        }
        let uid = { (purpose: String) in uids.uid(purpose: purpose) }
        let positions = Self.positions(frames: o.frames, sliceThickness: o.sliceThickness).flatMap { $0 }
        let strings = CStrings()
        var status = dcmw_status()
        let rc = phantom.voxels.withUnsafeBufferPointer { px in
            positions.withUnsafeBufferPointer { pos in
                var v = dcms_dbt_volume()
                v.pixels = px.baseAddress
                v.rows = Int32(o.rows)
                v.cols = Int32(o.columns)
                v.frames = Int32(o.frames)
                v.bits_stored = 12
                v.pixel_spacing = (o.pixelSpacing, o.pixelSpacing)
                v.slice_thickness = o.sliceThickness
                let ori = Self.orientation
                v.orientation = (ori[0], ori[1], ori[2], ori[3], ori[4], ori[5])
                v.positions = pos.baseAddress
                v.window_center = 1600
                v.window_width = 2800
                v.study_instance_uid = strings(uid("study"))
                v.series_instance_uid = strings(uid("series"))
                v.sop_instance_uid = strings(uid("instance"))
                v.frame_of_reference_uid = strings(uid("frame-of-reference"))
                v.dimension_organization_uid = strings(uid("dimension-organization"))
                v.patient_name = strings("SYNTHETIC^PHANTOM")
                v.patient_id = strings("SYNTH-DBT-\(o.seed)")
                v.study_id = strings("SYNTH")
                v.accession_number = strings("")
                v.date = strings(Self.date)
                v.time = strings(Self.time)
                v.series_description = strings("SYNTHETIC breast tomosynthesis phantom (not a patient)")
                v.image_comments = strings(
                    "SYNTHETIC: computed breast phantom with one synthetic spiculated mass, seed \(o.seed); no patient, no acquisition")
                v.laterality = strings("R")
                v.view_position = strings("CC")
                v.manufacturer = strings("medvmad")
                v.model_name = strings("synthetic breast phantom")
                v.device_serial_number = strings("0")
                v.software_versions = strings("medvmad sample-data dbt")
                return dicomPath.withCString { dcms_write_breast_tomosynthesis($0, &v, &status) }
            }
        }
        if rc != DCMW_OK {
            let message = withUnsafeBytes(of: status.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw SynthesisError.writeFailed(path: dicomPath, reason: "code \(rc): \(message)")
        }
        let reference = DicomSeriesReference(
            studyInstanceUID: uid("study"), seriesInstanceUID: uid("series"), frameOfReferenceUID: uid("frame-of-reference"),
            seriesDescription: "SYNTHETIC breast tomosynthesis phantom", seriesNumber: 1,
            slices: (0..<o.frames).map { k in
                DicomSliceReference(path: dicomPath, frame: k, sopInstanceUID: uid("instance"),
                                    sopClassUID: "1.2.840.10008.5.1.4.1.1.13.1.3",
                                    position: Array(positions[(3 * k)..<(3 * k + 3)]))
            })
        let grid = Volume(size: [o.columns, o.rows, o.frames], voxels: phantom.mask.map(Float.init),
                          spacing: [o.pixelSpacing, o.pixelSpacing, o.sliceThickness],
                          indexToPatient: Self.indexToPatient(o), modality: "MG", source: .dicom(reference))
        do {
            try NiftiWriter().writeMask(phantom.mask, like: grid, to: maskPath, description: "SYNTHETIC mass mask")
        } catch {
            throw SynthesisError.writeFailed(path: maskPath, reason: "\(error)")
        }
    }

    /// Owns C copies of strings until the writer call returns.
    final class CStrings {
        private var owned: [UnsafeMutablePointer<CChar>] = []
        func callAsFunction(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            owned.append(p)
            return UnsafePointer(p)
        }
        deinit { owned.forEach { free($0) } }
    }
}
