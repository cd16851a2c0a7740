/// A grid of images with column titles (and optional row titles and an overall title), for
/// evaluation figures such as "image | heat map per model | ground truth".
///
/// Geometry, with s = `fontScale`, L = the font's line height × s and g = `spacing`:
/// - width  = g + R + columns · (cellWidth + g), where R = widest row title + g (0 without row titles);
/// - height = g + T + H + rows · (cellHeight + g), where T = L + g with a title (else 0) and
///   H = L + g with column titles (else 0).
/// Each image is resized to fit its cell keeping its aspect ratio and centred in it; titles wider
/// than their cell are cut.
public struct PanelGrid: Sendable {
    /// Positions within the rendered grid.
    public struct Layout: Sendable, Equatable {
        /// Grid width in pixels.
        public let width: Int
        /// Grid height in pixels.
        public let height: Int
        /// `cells[row][column]`.
        public let cells: [[PixelRect]]
    }

    /// Centred above the column titles (may be empty).
    public var title: String
    /// One title per column, e.g. ["image", "MedVMAD", "ground truth"].
    public var columnTitles: [String]
    /// One title per row on the left, or none.
    public var rowTitles: [String]
    /// `rows[r][c]`: at most `columnTitles.count` images per row (fewer leave cells empty),
    /// or any number when there are no column titles.
    public var rows: [[ByteImage]]
    /// Cell width in pixels.
    public var cellWidth: Int
    /// Cell height in pixels.
    public var cellHeight: Int
    /// Gap between cells and around the grid, in pixels.
    public var spacing: Int
    /// Text size multiplier.
    public var fontScale: Int
    /// Filter for fitting images to cells (`.nearest` keeps masks binary).
    public var filter: ResampleFilter
    /// Colour behind and between cells.
    public var background: RGBColor
    /// Colour of the titles.
    public var foreground: RGBColor

    /// A grid recipe; nothing is drawn until `render`.
    public init(title: String = "", columnTitles: [String], rowTitles: [String] = [], rows: [[ByteImage]],
                cellWidth: Int = 160, cellHeight: Int = 160, spacing: Int = 4, fontScale: Int = 1,
                filter: ResampleFilter = .bilinear, background: RGBColor = .black, foreground: RGBColor = .white) {
        self.title = title
        self.columnTitles = columnTitles
        self.rowTitles = rowTitles
        self.rows = rows
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.spacing = max(0, spacing)
        self.fontScale = max(1, fontScale)
        self.filter = filter
        self.background = background
        self.foreground = foreground
    }

    private var columnCount: Int { max(columnTitles.count, rows.map(\.count).max() ?? 0) }

    /// The grid's geometry; throws `invalidSize` for empty grids, non-positive cells, a row with
    /// more images than column titles, or row titles that do not match the rows.
    public func layout() throws -> Layout {
        guard cellWidth > 0, cellHeight > 0 else {
            throw RasterError.invalidSize(reason: "panel cells must be positive, got \(cellWidth)×\(cellHeight)")
        }
        guard !rows.isEmpty, columnCount > 0 else {
            throw RasterError.invalidSize(reason: "panel grid has no images")
        }
        if !columnTitles.isEmpty, let r = rows.firstIndex(where: { $0.count > columnTitles.count }) {
            throw RasterError.invalidSize(reason: "panel row \(r) has \(rows[r].count) images for \(columnTitles.count) columns")
        }
        guard rowTitles.isEmpty || rowTitles.count == rows.count else {
            throw RasterError.invalidSize(reason: "\(rowTitles.count) row titles for \(rows.count) rows")
        }
        let font = BitmapFont.standard
        let g = spacing
        let lineH = font.lineHeight * fontScale
        let rowTitleBand = rowTitles.isEmpty ? 0 : (rowTitles.map { font.width(of: $0, scale: fontScale) }.max() ?? 0) + g
        let titleBand = title.isEmpty ? 0 : lineH + g
        let headerBand = columnTitles.isEmpty ? 0 : lineH + g
        let cells = (0..<rows.count).map { r in
            (0..<columnCount).map { c in
                PixelRect(x: g + rowTitleBand + c * (cellWidth + g), y: g + titleBand + headerBand + r * (cellHeight + g),
                          width: cellWidth, height: cellHeight)
            }
        }
        return Layout(width: g + rowTitleBand + columnCount * (cellWidth + g),
                      height: g + titleBand + headerBand + rows.count * (cellHeight + g), cells: cells)
    }

    /// The grid as an RGB image.
    public func render() throws -> ByteImage {
        let layout = try self.layout()
        let font = BitmapFont.standard
        let s = fontScale
        var image = try ByteImage(width: layout.width, height: layout.height, mode: .rgb, filledWith: background)
        if !title.isEmpty {
            font.draw(title, on: &image, x: max(spacing, (layout.width - font.width(of: title, scale: s)) / 2),
                      y: spacing, scale: s, color: foreground)
        }
        let headerY = spacing + (title.isEmpty ? 0 : font.lineHeight * s + spacing)
        for (c, columnTitle) in columnTitles.enumerated() {
            let cell = layout.cells[0][c]
            let text = fitted(columnTitle, width: cell.width)
            font.draw(text, on: &image, x: cell.x + (cell.width - font.width(of: text, scale: s)) / 2, y: headerY,
                      scale: s, color: foreground)
        }
        for (r, row) in rows.enumerated() {
            if !rowTitles.isEmpty {
                let cell = layout.cells[r][0]
                font.draw(rowTitles[r], on: &image, x: spacing, y: cell.y + (cell.height - 7 * s) / 2, scale: s,
                          color: foreground)
            }
            for (c, picture) in row.enumerated() {
                let cell = layout.cells[r][c]
                let fit = min(Double(cell.width) / Double(picture.width), Double(cell.height) / Double(picture.height))
                let w = max(1, min(cell.width, Int((Double(picture.width) * fit).rounded())))
                let h = max(1, min(cell.height, Int((Double(picture.height) * fit).rounded())))
                let scaled = try picture.resized(width: w, height: h, filter: filter)
                image.paste(scaled, x: cell.x + (cell.width - w) / 2, y: cell.y + (cell.height - h) / 2)
            }
        }
        return image
    }

    /// `text` cut to the characters that fit in `width` pixels at the grid's font scale.
    private func fitted(_ text: String, width: Int) -> String {
        let advance = BitmapFont.standard.advance * fontScale
        let fits = max(0, (width + fontScale) / advance)
        return text.count <= fits ? text : String(text.prefix(fits))
    }
}
