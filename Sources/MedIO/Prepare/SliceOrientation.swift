/// How 2-D display slices are cut from a volume, and the exact way back.
///
/// The rule, from the volume's index-to-patient direction cosines (so oblique and non-axial
/// acquisitions slice correctly whatever the order of the stored axes):
/// 1. The slice axis is the volume axis whose direction is closest to the plane's normal
///    (largest |cos| with patient S for axial, A/P for coronal, L/R for sagittal; ties go to the
///    lower axis number).
/// 2. Of the two remaining axes, the one assigned to image columns and the one to image rows is the
///    pairing with the larger sum of |cos| to the display targets of `SliceAxis` (ties keep the lower
///    axis on columns).
/// 3. An axis is flipped when it points away from its target, so every slice is shown in the
///    radiological convention. For an oblique volume this is the nearest such view: no resampling,
///    every image pixel is exactly one voxel.
///
/// Pixel (column c, row r) of slice k is the voxel with `index[columnAxis] = c` (or `width-1-c` when
/// flipped), `index[rowAxis] = r` (or `height-1-r`), `index[sliceAxis] = k`. `extract` and `scatter`
/// apply this mapping and its inverse.
public struct SliceOrientation: Sendable, Codable, Equatable {
    public var plane: SliceAxis
    /// Volume axis (0 = x, 1 = y, 2 = z) stepped through, one slice per index.
    public var sliceAxis: Int
    /// Volume axis along image columns (left to right).
    public var columnAxis: Int
    /// Volume axis along image rows (top to bottom).
    public var rowAxis: Int
    public var columnFlipped: Bool
    public var rowFlipped: Bool
    /// Extent of the volume this orientation was made for.
    public var volumeSize: [Int]

    /// Chooses slice, column and row axes for `plane` from an index-to-patient affine (LPS, 4×4 row-major).
    public init(plane: SliceAxis, volumeSize: [Int], indexToPatient: [Double]) {
        precondition(volumeSize.count == 3 && indexToPatient.count == 16)
        let directions = (0..<3).map { axis -> [Double] in
            let v = Affine4x4.column(indexToPatient, axis)
            let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).squareRoot()
            return n > 0 ? v.map { $0 / n } : v
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { a[0] * b[0] + a[1] * b[1] + a[2] * b[2] }
        var slice = 0
        for axis in 1..<3 where abs(directions[axis][plane.patientNormal]) > abs(directions[slice][plane.patientNormal]) {
            slice = axis
        }
        let others = (0..<3).filter { $0 != slice }
        let (a, b) = (others[0], others[1])
        let straight = abs(dot(directions[a], plane.columnTarget)) + abs(dot(directions[b], plane.rowTarget))
        let swapped = abs(dot(directions[b], plane.columnTarget)) + abs(dot(directions[a], plane.rowTarget))
        let (column, row) = straight >= swapped ? (a, b) : (b, a)
        self.plane = plane
        self.sliceAxis = slice
        self.columnAxis = column
        self.rowAxis = row
        self.columnFlipped = dot(directions[column], plane.columnTarget) < 0
        self.rowFlipped = dot(directions[row], plane.rowTarget) < 0
        self.volumeSize = volumeSize
    }

    /// Number of slices.
    public var sliceCount: Int { volumeSize[sliceAxis] }
    /// Slice image width (columns).
    public var width: Int { volumeSize[columnAxis] }
    /// Slice image height (rows).
    public var height: Int { volumeSize[rowAxis] }

    /// The volume index [x, y, z] shown at (column, row) of slice `slice`.
    public func voxelIndex(column: Int, row: Int, slice: Int) -> [Int] {
        var index = [0, 0, 0]
        index[columnAxis] = columnFlipped ? width - 1 - column : column
        index[rowAxis] = rowFlipped ? height - 1 - row : row
        index[sliceAxis] = slice
        return index
    }

    /// The (column, row, slice) at which voxel `index` is shown: the inverse of `voxelIndex`.
    public func pixel(ofVoxel index: [Int]) -> (column: Int, row: Int, slice: Int) {
        let c = index[columnAxis], r = index[rowAxis]
        return (columnFlipped ? width - 1 - c : c, rowFlipped ? height - 1 - r : r, index[sliceAxis])
    }

    /// First voxel offset and the offset steps of one column and one row, in a volume stored x fastest.
    private func strides(slice: Int) -> (start: Int, column: Int, row: Int) {
        let axisStride = [1, volumeSize[0], volumeSize[0] * volumeSize[1]]
        let origin = voxelIndex(column: 0, row: 0, slice: slice)
        let start = origin[0] * axisStride[0] + origin[1] * axisStride[1] + origin[2] * axisStride[2]
        return (start, (columnFlipped ? -1 : 1) * axisStride[columnAxis], (rowFlipped ? -1 : 1) * axisStride[rowAxis])
    }

    /// Slice `slice` as a width × height image, row-major, top row first.
    public func extract(_ voxels: [Float], slice: Int) -> [Float] {
        precondition(voxels.count == volumeSize.reduce(1, *) && (0..<sliceCount).contains(slice))
        let (start, columnStep, rowStep) = strides(slice: slice)
        let w = width, h = height
        return [Float](unsafeUninitializedCapacity: w * h) { out, initialized in
            voxels.withUnsafeBufferPointer { src in
                for r in 0..<h {
                    var offset = start + r * rowStep
                    for c in 0..<w {
                        out[r * w + c] = src[offset]
                        offset += columnStep
                    }
                }
            }
            initialized = w * h
        }
    }

    /// Writes a width × height image back into slice `slice` of a volume-shaped array: the inverse of `extract`.
    public func scatter(_ image: [Float], slice: Int, into voxels: inout [Float]) {
        precondition(voxels.count == volumeSize.reduce(1, *) && image.count == width * height
                     && (0..<sliceCount).contains(slice))
        let (start, columnStep, rowStep) = strides(slice: slice)
        let w = width, h = height
        image.withUnsafeBufferPointer { src in
            voxels.withUnsafeMutableBufferPointer { dst in
                for r in 0..<h {
                    var offset = start + r * rowStep
                    for c in 0..<w {
                        dst[offset] = src[r * w + c]
                        offset += columnStep
                    }
                }
            }
        }
    }

    /// The 2-D geometry of slice `slice` in patient space.
    public func geometry(slice: Int, indexToPatient: [Double]) -> SliceGeometry {
        let origin = voxelIndex(column: 0, row: 0, slice: slice).map(Double.init)
        let column = Affine4x4.column(indexToPatient, columnAxis).map { columnFlipped ? -$0 : $0 }
        let row = Affine4x4.column(indexToPatient, rowAxis).map { rowFlipped ? -$0 : $0 }
        let columnSpacing = Affine4x4.columnNorm(indexToPatient, columnAxis)
        let rowSpacing = Affine4x4.columnNorm(indexToPatient, rowAxis)
        return SliceGeometry(origin: Affine4x4.apply(indexToPatient, origin),
                             columnDirection: column.map { $0 / columnSpacing },
                             rowDirection: row.map { $0 / rowSpacing },
                             columnSpacing: columnSpacing, rowSpacing: rowSpacing,
                             width: width, height: height)
    }
}
