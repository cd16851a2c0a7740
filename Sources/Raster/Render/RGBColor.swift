/// An opaque 8-bit sRGB colour, as drawn into `ByteImage`s.
public struct RGBColor: Sendable, Hashable {
    /// Red sample.
    public var red: UInt8
    /// Green sample.
    public var green: UInt8
    /// Blue sample.
    public var blue: UInt8

    /// The colour with these samples.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A grey level.
    public init(gray: UInt8) {
        self.init(red: gray, green: gray, blue: gray)
    }

    /// PIL's grey level of this colour (what drawing it into a mode "L" image stores).
    public var luma: UInt8 { ByteImage.luma(red: red, green: green, blue: blue) }

    /// Black.
    public static let black = RGBColor(gray: 0)
    /// White.
    public static let white = RGBColor(gray: 255)
    /// Red, for outlines and warnings.
    public static let red = RGBColor(red: 230, green: 25, blue: 25)
    /// Green, the default mask outline.
    public static let green = RGBColor(red: 0, green: 200, blue: 70)
    /// Yellow.
    public static let yellow = RGBColor(red: 255, green: 220, blue: 0)
    /// Cyan, the outline colour of annotated heat maps (stands out on inferno and grey).
    public static let cyan = RGBColor(red: 0, green: 220, blue: 230)

    /// Ten well-separated colours for plot series, in the order series take them.
    public static let seriesPalette: [RGBColor] = [
        RGBColor(red: 31, green: 100, blue: 200),   // blue
        RGBColor(red: 235, green: 120, blue: 20),   // orange
        RGBColor(red: 40, green: 160, blue: 60),    // green
        RGBColor(red: 210, green: 40, blue: 40),    // red
        RGBColor(red: 140, green: 90, blue: 190),   // purple
        RGBColor(red: 140, green: 85, blue: 70),    // brown
        RGBColor(red: 220, green: 110, blue: 190),  // pink
        RGBColor(red: 110, green: 110, blue: 110),  // grey
        RGBColor(red: 180, green: 180, blue: 30),   // olive
        RGBColor(red: 20, green: 180, blue: 200),   // teal
    ]
}
