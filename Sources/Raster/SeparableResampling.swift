/// An image that resamples in two separable passes (Pillow's resampling core); `ByteImage` rounds to
/// 8 bits between passes, `FloatImage` keeps floats, but which passes run, in which order and over
/// which rows or columns is the same for both and lives here once.
protocol SeparableResampling {
    var width: Int { get }
    var height: Int { get }
    /// Resamples along x, reading only `rows` of the source.
    func horizontalPass(rows: Range<Int>, width outWidth: Int, coefficients: ResampleCoefficients) -> Self
    /// Resamples along y, reading only `columns` of the source.
    func verticalPass(height outHeight: Int, columns: Range<Int>, coefficients: ResampleCoefficients) -> Self
}

extension SeparableResampling {
    /// Pillow's `ImagingResampleInner`: a horizontal pass over only the rows the vertical pass
    /// will read, then the vertical pass; a pass is skipped when its axis keeps size and span.
    func convolved(width outWidth: Int, height outHeight: Int, filter: ResampleFilter, box: ResampleBox) -> Self {
        let horizontal = ResampleCoefficients(inSize: width, in0: box.x0, in1: box.x1, outSize: outWidth, filter: filter)
        var vertical = ResampleCoefficients(inSize: height, in0: box.y0, in1: box.y1, outSize: outHeight, filter: filter)
        let needHorizontal = outWidth != width || box.x0 != 0 || box.x1 != Float(outWidth)
        let needVertical = outHeight != height || box.y0 != 0 || box.y1 != Float(outHeight)
        if needHorizontal && needVertical && ResampleCoefficients.verticalPassFirst(
            inWidth: width, inHeight: height, outWidth: outWidth, outHeight: outHeight) {
            // Vertical pass over only the columns the horizontal pass will read, then horizontal.
            var horizontal = horizontal
            let firstColumn = horizontal.first[0]
            let endColumn = horizontal.first[outWidth - 1] + horizontal.count[outWidth - 1]
            for i in 0..<outWidth { horizontal.first[i] -= firstColumn }
            return verticalPass(height: outHeight, columns: firstColumn..<endColumn, coefficients: vertical)
                .horizontalPass(rows: 0..<outHeight, width: outWidth, coefficients: horizontal)
        }
        var current = self
        if needHorizontal {
            // Horizontal pass over only the rows the vertical pass will read.
            let firstRow = vertical.first[0]
            let endRow = vertical.first[outHeight - 1] + vertical.count[outHeight - 1]
            for i in 0..<outHeight { vertical.first[i] -= firstRow }
            current = horizontalPass(rows: firstRow..<endRow, width: outWidth, coefficients: horizontal)
        }
        if needVertical {
            current = current.verticalPass(height: outHeight, columns: 0..<current.width, coefficients: vertical)
        }
        return current
    }

}

extension ByteImage: SeparableResampling {}
extension FloatImage: SeparableResampling {}
