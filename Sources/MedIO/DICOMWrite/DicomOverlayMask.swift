/// A binary mask to be written as a DICOM Overlay Plane (one bit per pixel).
public struct DicomOverlayMask: Sendable, Equatable {
    /// How the mask is drawn.
    public enum Style: Sendable, Equatable {
        /// Every masked pixel.
        case filled
        /// Masked pixels with at least one 4-neighbour outside the mask or the image.
        case outline
    }

    /// Overlay Type (60xx,0040).
    public enum Kind: Character, Sendable, Equatable {
        case graphics = "G"
        case regionOfInterest = "R"
    }

    public var rows: Int
    public var columns: Int
    /// `rows * columns` values, row-major: true where the thresholded anomaly map is set.
    public var mask: [Bool]
    public var style: Style
    public var kind: Kind
    /// Overlay Label (LO, 64 characters).
    public var label: String
    /// Overlay Description (LO, 64 characters).
    public var description: String

    public init(rows: Int, columns: Int, mask: [Bool], style: Style = .outline, kind: Kind = .graphics,
                label: String = "AI anomaly", description: String = "AI generated, not for clinical use") {
        self.rows = rows
        self.columns = columns
        self.mask = mask
        self.style = style
        self.kind = kind
        self.label = label
        self.description = description
    }

    /// The bits actually written: the mask, or its outline.
    public func renderedBits() -> [UInt8] {
        guard style == .outline else { return mask.map { $0 ? 1 : 0 } }
        var out = [UInt8](repeating: 0, count: mask.count)
        mask.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    for c in 0..<columns where m[r * columns + c] {
                        let inside = { (rr: Int, cc: Int) -> Bool in
                            rr >= 0 && rr < rows && cc >= 0 && cc < columns && m[rr * columns + cc]
                        }
                        if !inside(r - 1, c) || !inside(r + 1, c) || !inside(r, c - 1) || !inside(r, c + 1) {
                            o[r * columns + c] = 1
                        }
                    }
                }
            }
        }
        return out
    }
}
