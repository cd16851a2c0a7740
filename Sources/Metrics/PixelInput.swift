/// Checks shared by every per-image entry point, so that every path reports bad input the same way.
enum PixelInput {
    static func validate(image: Int, map: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<UInt8>, height: Int, width: Int) throws {
        guard height > 0, width > 0 else { throw MetricsError.invalidShape(image: image, height: height, width: width) }
        guard map.count == height * width, mask.count == height * width else {
            throw MetricsError.sizeMismatch(image: image, height: height, width: width, mapCount: map.count, maskCount: mask.count)
        }
        for i in 0..<mask.count where mask[i] > 1 {
            throw MetricsError.nonBinaryMask(image: image, position: i, value: mask[i])
        }
    }
}
