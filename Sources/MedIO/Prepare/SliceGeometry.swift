/// Where a 2-D slice image lies in patient space (LPS millimetres), in DICOM's terms.
public struct SliceGeometry: Sendable, Codable, Equatable {
    /// Patient position of the centre of the top-left pixel (DICOM ImagePositionPatient).
    public var origin: [Double]
    /// Unit vector one column to the right (the first half of DICOM ImageOrientationPatient).
    public var columnDirection: [Double]
    /// Unit vector one row down (the second half of ImageOrientationPatient).
    public var rowDirection: [Double]
    /// Millimetres between columns and between rows.
    public var columnSpacing: Double
    public var rowSpacing: Double
    public var width: Int
    public var height: Int

    public init(origin: [Double], columnDirection: [Double], rowDirection: [Double], columnSpacing: Double,
                rowSpacing: Double, width: Int, height: Int) {
        self.origin = origin
        self.columnDirection = columnDirection
        self.rowDirection = rowDirection
        self.columnSpacing = columnSpacing
        self.rowSpacing = rowSpacing
        self.width = width
        self.height = height
    }

    /// Patient position of the pixel at (column, row), which may be fractional.
    public func patientPosition(column: Double, row: Double) -> [Double] {
        (0..<3).map { origin[$0] + column * columnSpacing * columnDirection[$0] + row * rowSpacing * rowDirection[$0] }
    }
}
