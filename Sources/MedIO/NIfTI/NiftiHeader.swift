import CNIfTIShim

/// The header of a NIfTI-1 or NIfTI-2 file, as far as reading and writing volumes needs it.
public struct NiftiHeader: Sendable, Equatable {
    /// 1 or 2, decided from sizeof_hdr (348 or 540), never from nifti_clib's `nifti_type`.
    public var version: Int
    /// Extents of the used dimensions (dim[1...dim[0]]).
    public var dims: [Int]
    /// NIfTI DT_* datatype code (2 uint8, 4 int16, 16 float32, …).
    public var datatype: Int
    public var bytesPerVoxel: Int
    /// pixdim[1...3].
    public var pixdim: [Double]
    public var sclSlope: Double
    public var sclInter: Double
    public var calMin: Double
    public var calMax: Double
    public var qformCode: Int
    public var sformCode: Int
    /// The qform as a 4×4 row-major voxel-to-RAS affine (from pixdim alone when qformCode is 0).
    public var qformAffine: [Double]
    /// The sform as a 4×4 row-major voxel-to-RAS affine (meaningful when sformCode > 0).
    public var sformAffine: [Double]
    /// The geometry fields verbatim, for writing outputs on the same grid.
    public var geometry: NiftiGeometry
    public var intentCode: Int
    public var description: String

    init(_ h: niftishim_header) {
        version = Int(h.version)
        let dim = withUnsafeBytes(of: h.dim) { Array($0.bindMemory(to: Int64.self)) }
        let pix = withUnsafeBytes(of: h.pixdim) { Array($0.bindMemory(to: Double.self)) }
        let ndim = max(0, min(7, Int(dim[0])))
        dims = (0..<ndim).map { Int(dim[$0 + 1]) }
        datatype = Int(h.datatype)
        bytesPerVoxel = Int(h.nbyper)
        pixdim = [pix[1], pix[2], pix[3]]
        sclSlope = h.scl_slope
        sclInter = h.scl_inter
        calMin = h.cal_min
        calMax = h.cal_max
        qformCode = Int(h.qform_code)
        sformCode = Int(h.sform_code)
        qformAffine = withUnsafeBytes(of: h.qto_xyz) { Array($0.bindMemory(to: Double.self)) }
        sformAffine = withUnsafeBytes(of: h.sto_xyz) { Array($0.bindMemory(to: Double.self)) }
        geometry = NiftiGeometry(
            version: Int(h.version), qformCode: Int(h.qform_code), sformCode: Int(h.sform_code),
            quaternion: withUnsafeBytes(of: h.quatern) { Array($0.bindMemory(to: Double.self)) },
            quaternionOffset: withUnsafeBytes(of: h.qoffset) { Array($0.bindMemory(to: Double.self)) },
            qfac: h.qfac, pixdim: [pix[1], pix[2], pix[3]],
            sformRows: Array(sformAffine[0..<12]), spatialUnits: Int(h.xyz_units))
        intentCode = Int(h.intent_code)
        description = withUnsafeBytes(of: h.descrip) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Extents of the first three dimensions, missing ones counted as 1.
    public var gridSize: [Int] {
        (0..<3).map { $0 < dims.count ? max(dims[$0], 1) : 1 }
    }

    /// Number of 3-D volumes (the product of dims 4...7), saturating at `Int.max` for absurd headers.
    public var volumeCount: Int {
        NiftiHeader.saturatingProduct(dims.dropFirst(3))
    }

    /// Voxels in one 3-D volume, saturating at `Int.max` for absurd headers.
    public var voxelsPerVolume: Int {
        NiftiHeader.saturatingProduct(gridSize)
    }

    static func saturatingProduct<C: Collection>(_ values: C) -> Int where C.Element == Int {
        var n = 1
        for v in values {
            let (p, overflow) = n.multipliedReportingOverflow(by: max(v, 1))
            if overflow { return Int.max }
            n = p
        }
        return n
    }
}
