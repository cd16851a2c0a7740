/// The geometry fields of a NIfTI header, kept verbatim so outputs overlay their source exactly.
///
/// Viewers differ in which transform they trust (ITK-SNAP and Slicer prefer the sform when its
/// code is set, others the qform), so a result written on a NIfTI input copies both, with their codes.
public struct NiftiGeometry: Sendable, Equatable, Codable {
    /// NIfTI version of the source file (1 or 2). Outputs are NIfTI-1 either way (see `NiftiWriter`).
    public var version: Int
    public var qformCode: Int
    public var sformCode: Int
    /// quatern_b, quatern_c, quatern_d.
    public var quaternion: [Double]
    /// qoffset_x, qoffset_y, qoffset_z (RAS mm).
    public var quaternionOffset: [Double]
    /// qfac (pixdim[0]): +1 or −1.
    public var qfac: Double
    /// pixdim[1...3].
    public var pixdim: [Double]
    /// srow_x, srow_y, srow_z: the sform as a row-major 3×4 matrix.
    public var sformRows: [Double]
    /// xyzt_units spatial code (2 = millimetres).
    public var spatialUnits: Int

    public init(version: Int, qformCode: Int, sformCode: Int, quaternion: [Double], quaternionOffset: [Double],
                qfac: Double, pixdim: [Double], sformRows: [Double], spatialUnits: Int) {
        self.version = version
        self.qformCode = qformCode
        self.sformCode = sformCode
        self.quaternion = quaternion
        self.quaternionOffset = quaternionOffset
        self.qfac = qfac
        self.pixdim = pixdim
        self.sformRows = sformRows
        self.spatialUnits = spatialUnits
    }
}
