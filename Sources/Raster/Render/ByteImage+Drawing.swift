extension ByteImage {
    /// An image of one colour in `mode` (alpha 255 for RGBA; grey images store the colour's luma).
    public init(width: Int, height: Int, mode: Mode = .rgb, filledWith color: RGBColor) throws {
        guard width > 0, height > 0 else {
            throw RasterError.invalidSize(reason: "image size \(width)×\(height) is empty")
        }
        let sample: [UInt8]
        switch mode {
        case .gray: sample = [color.luma]
        case .rgb: sample = [color.red, color.green, color.blue]
        case .rgba: sample = [color.red, color.green, color.blue, 255]
        }
        var pixels = [UInt8](repeating: 0, count: width * height * mode.channels)
        for i in 0..<(width * height) {
            for c in 0..<sample.count { pixels[i * sample.count + c] = sample[c] }
        }
        self.init(uncheckedWidth: width, height: height, mode: mode, pixels: pixels)
    }

    /// The colour at (x, y) (grey replicated; alpha ignored).
    public func color(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * channels
        if mode == .gray { return RGBColor(gray: pixels[i]) }
        return RGBColor(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
    }

    /// Sets (x, y) to `color` (opaque); points outside the image are ignored so that shapes clip.
    @inline(__always)
    public mutating func setPixel(x: Int, y: Int, color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * channels
        switch mode {
        case .gray:
            pixels[i] = color.luma
        case .rgb:
            pixels[i] = color.red
            pixels[i + 1] = color.green
            pixels[i + 2] = color.blue
        case .rgba:
            pixels[i] = color.red
            pixels[i + 1] = color.green
            pixels[i + 2] = color.blue
            pixels[i + 3] = 255
        }
    }

    /// Fills the rectangle with top-left (x, y), clipped to the image.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { setPixel(x: xx, y: yy, color: color) }
        }
    }

    /// Draws the 1-pixel border of the rectangle with top-left (x, y).
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        guard w > 0, h > 0 else { return }
        fillRect(x: x, y: y, width: w, height: 1, color: color)
        fillRect(x: x, y: y + h - 1, width: w, height: 1, color: color)
        fillRect(x: x, y: y, width: 1, height: h, color: color)
        fillRect(x: x + w - 1, y: y, width: 1, height: h, color: color)
    }

    /// Draws a straight line from (x0, y0) to (x1, y1) with Bresenham's algorithm. A line wider
    /// than one pixel repeats it across its minor axis at offsets −⌊(w−1)/2⌋ … ⌊w/2⌋, so its
    /// thickness is exact and a 3-pixel line is centred. With `dash` > 0, runs of `dash` steps are
    /// drawn and skipped in turn. Only pixels inside `clip` (default: the whole image) are set.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, color: RGBColor, lineWidth: Int = 1,
                                  dash: Int = 0, clip: PixelRect? = nil) {
        let clip = clip ?? PixelRect(x: 0, y: 0, width: width, height: height)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        let alongX = dx >= -dy  // mostly horizontal: thicken vertically
        let offsets = (-(max(1, lineWidth) - 1) / 2)...(max(1, lineWidth) / 2)
        var err = dx + dy
        var x = x0, y = y0
        var step = 0
        while true {
            if dash <= 0 || (step / dash) % 2 == 0 {
                for o in offsets {
                    let px = alongX ? x : x + o
                    let py = alongX ? y + o : y
                    if clip.contains(x: px, y: py) { setPixel(x: px, y: py, color: color) }
                }
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            step += 1
        }
    }

    /// Copies `image` into this one with its top-left at (x, y), converting its mode; RGBA
    /// sources are composited by their alpha. Parts outside this image are clipped.
    public mutating func paste(_ image: ByteImage, x: Int, y: Int) {
        for sy in 0..<image.height {
            let ty = y + sy
            guard ty >= 0, ty < height else { continue }
            for sx in 0..<image.width {
                let tx = x + sx
                guard tx >= 0, tx < width else { continue }
                let c = image.color(x: sx, y: sy)
                if image.mode == .rgba {
                    let a = Int(image.pixels[(sy * image.width + sx) * 4 + 3])
                    if a == 0 { continue }
                    if a < 255 {
                        let under = color(x: tx, y: ty)
                        let mix = { (s: UInt8, d: UInt8) -> UInt8 in UInt8((Int(s) * a + Int(d) * (255 - a) + 127) / 255) }
                        setPixel(x: tx, y: ty, color: RGBColor(red: mix(c.red, under.red), green: mix(c.green, under.green), blue: mix(c.blue, under.blue)))
                        continue
                    }
                }
                setPixel(x: tx, y: ty, color: c)
            }
        }
    }
}
