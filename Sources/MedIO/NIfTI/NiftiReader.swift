import CNIfTIShim

/// Reads NIfTI-1 and NIfTI-2 files (`.nii`, `.nii.gz`) into a `Volume` through nifti_clib.
///
/// - Voxels of every integer and real datatype become float32 with `scl_slope`/`scl_inter` applied
///   (a slope of 0 means unscaled, as the standard says).
/// - Only the first 3-D volume of a 4-D (or higher) file is read; the volume's warnings say so.
/// - Geometry: the sform when `sform_code > 0`, else the qform when `qform_code > 0`, else the
///   standard's "method 1" (pixdim only: diag(dx, dy, dz), no orientation) with a warning. The chosen
///   RAS affine is kept in `NiftiReference.rasAffine`; `Volume.indexToPatient` is the same affine in LPS.
/// - Limits are checked before any voxel is read, so a corrupt or hostile header cannot make the
///   reader allocate more than `Limits.maxVoxels` floats.
/// - A `.nii.gz` stream is inflated once in full before the voxels are read, to check its CRC-32:
///   nifti_clib stops at the last voxel and never sees the gzip trailer, so a stream whose deflate
///   data decode to wrong bytes would otherwise pass. This doubles the decompression time.
public struct NiftiReader: Sendable {
    /// Caps that protect a batch from absurd or hostile files.
    public struct Limits: Sendable, Equatable {
        /// Largest 3-D volume read, in voxels (default 2^28 ≈ 268 M voxels, 1 GiB of float32).
        public var maxVoxels: Int
        /// Largest file accepted, in bytes as stored (compressed size for `.nii.gz`; default 2 GiB).
        public var maxFileBytes: Int
        /// Largest inflated size of a `.nii.gz` stream (header, extensions and every volume; default 8 GiB).
        public var maxInflatedBytes: Int

        public init(maxVoxels: Int = 1 << 28, maxFileBytes: Int = 1 << 31, maxInflatedBytes: Int = 1 << 33) {
            self.maxVoxels = maxVoxels
            self.maxFileBytes = maxFileBytes
            self.maxInflatedBytes = maxInflatedBytes
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Reads and checks the header only.
    public func readHeader(path: String) throws -> NiftiHeader {
        let bytes = Int(niftishim_file_size(path))
        guard bytes >= 0 else { throw NiftiError.cannotOpen(path: path) }
        guard bytes <= limits.maxFileBytes else {
            throw NiftiError.fileTooLarge(path: path, bytes: bytes, limit: limits.maxFileBytes)
        }
        var raw = niftishim_header()
        var message = [CChar](repeating: 0, count: 256)
        let rc = niftishim_read_header(path, &raw, &message, message.count)
        guard rc == Int32(NIFTISHIM_OK) else { throw Self.error(rc, path: path, message: message, datatype: 0) }
        let header = NiftiHeader(raw)
        guard header.dims.count >= 2, header.dims.prefix(3).allSatisfy({ $0 >= 1 }) else {
            throw NiftiError.invalidHeader(path: path, reason: "dims \(header.dims) do not describe an image")
        }
        return header
    }

    /// Reads the first 3-D volume of the file.
    ///
    /// - Parameter modality: the modality to record in the volume ("" when unknown, as NIfTI does not say).
    public func read(path: String, modality: String = "") throws -> Volume {
        let header = try readHeader(path: path)
        let size = header.gridSize
        let count = header.voxelsPerVolume
        guard count <= limits.maxVoxels else {
            throw NiftiError.tooManyVoxels(path: path, declared: header.dims, voxels: count, limit: limits.maxVoxels)
        }
        guard Self.convertedDatatypes.contains(header.datatype) else {
            throw NiftiError.unsupportedDatatype(path: path, code: header.datatype)
        }
        var warnings: [String] = []
        let volumes = header.volumeCount
        if volumes > 1 {
            warnings.append("\(path): \(header.dims.count)-D file with \(volumes) volumes; only the first volume was read")
        }
        let rasAffine: [Double]
        if header.sformCode > 0 {
            rasAffine = header.sformAffine
        } else if header.qformCode > 0 {
            rasAffine = header.qformAffine
        } else {
            // nifti_clib fills qto_xyz from pixdim for qform_code 0, which is the standard's method 1.
            rasAffine = header.qformAffine
            warnings.append("\(path): no sform or qform (both codes 0); geometry from pixdim only, orientation unknown")
        }
        let spacing = (0..<3).map { Affine4x4.columnNorm(rasAffine, $0) }
        guard spacing.allSatisfy({ $0 > 0 && $0.isFinite }),
              rasAffine.allSatisfy({ $0.isFinite }) else {
            throw NiftiError.invalidHeader(path: path, reason: "degenerate affine \(rasAffine) (zero or non-finite voxel size)")
        }

        var message = [CChar](repeating: 0, count: 256)
        var rc: Int32 = 0
        let voxels = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            rc = niftishim_read_f32(path, buffer.baseAddress, count, Int64(limits.maxInflatedBytes), &message, message.count)
            if rc != Int32(NIFTISHIM_OK) { buffer.initialize(repeating: 0) }
            initialized = count
        }
        guard rc == Int32(NIFTISHIM_OK) else {
            throw Self.error(rc, path: path, message: message, datatype: header.datatype, limit: limits.maxInflatedBytes)
        }
        let reference = NiftiReference(path: path, rasAffine: rasAffine, qformCode: header.qformCode,
                                       sformCode: header.sformCode, geometry: header.geometry)
        let window: Window? = header.calMax > header.calMin
            ? Window(center: (header.calMin + header.calMax) / 2, width: header.calMax - header.calMin) : nil
        return Volume(size: size, voxels: voxels, spacing: spacing, indexToPatient: Affine4x4.flipRASLPS(rasAffine),
                      modality: modality, suggestedWindow: window, source: .nifti(reference), warnings: warnings)
    }

    /// NIfTI DT_* codes converted to float32: uint8, int16, int32, float32, float64, int8, uint16, uint32,
    /// int64, uint64. Complex, RGB, RGBA, binary and float128 are refused.
    static let convertedDatatypes: Set<Int> = [2, 4, 8, 16, 64, 256, 512, 768, 1024, 1280]

    static func error(_ rc: Int32, path: String, message: [CChar], datatype: Int, limit: Int = 0) -> NiftiError {
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch rc {
        case Int32(NIFTISHIM_ERR_OPEN): return .cannotOpen(path: path)
        case Int32(NIFTISHIM_ERR_HEADER): return .invalidHeader(path: path, reason: reason)
        case Int32(NIFTISHIM_ERR_DATATYPE): return .unsupportedDatatype(path: path, code: datatype)
        case Int32(NIFTISHIM_ERR_TOO_LARGE): return .inflatedTooLarge(path: path, limit: limit)
        default: return .unreadableData(path: path, reason: reason)
        }
    }
}
