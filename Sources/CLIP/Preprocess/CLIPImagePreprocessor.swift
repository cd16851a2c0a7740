import Raster
import Tensor

/// Turns images and masks into model inputs the way the MedVMAD/AnomalyCLIP data loaders do
/// (torchvision `Resize((S, S), BICUBIC)` on a PIL image, centre crop S (a no-op), RGB, `ToTensor`,
/// `Normalize(mean, std)`).
public struct CLIPImagePreprocessor: Sendable, Equatable {
    /// Per-channel values for red, green and blue.
    public struct ChannelValues: Sendable, Equatable {
        /// Red channel value.
        public var red: Float
        /// Green channel value.
        public var green: Float
        /// Blue channel value.
        public var blue: Float

        /// Values for the three channels.
        public init(red: Float, green: Float, blue: Float) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        subscript(channel: Int) -> Float { channel == 0 ? red : (channel == 1 ? green : blue) }
    }

    /// OpenAI CLIP's normalisation mean (of its training images, on the 0…1 scale).
    public static let openAIMean = ChannelValues(red: 0.48145466, green: 0.4578275, blue: 0.40821073)
    /// OpenAI CLIP's normalisation standard deviation.
    public static let openAIStd = ChannelValues(red: 0.26862954, green: 0.26130258, blue: 0.27577711)
    /// The input size of ViT-L/14@336, the model MedVMAD uses.
    public static let defaultImageSize = 336
    /// Resized mask values above this (on the 0…1 scale) count as abnormal.
    public static let maskThreshold: Float = 0.5

    /// Output side length S.
    public var imageSize: Int
    /// Subtracted from each channel after scaling to 0…1.
    public var mean: ChannelValues
    /// Divides each channel after the mean is subtracted.
    public var std: ChannelValues
    /// Filter for images (PIL bicubic in the reference loaders).
    public var imageFilter: ResampleFilter
    /// Filter for masks (PIL bilinear for MedVMAD/AnomalyCLIP; nearest for MVFA).
    public var maskFilter: ResampleFilter

    /// A preprocessor; the defaults are those of MedVMAD/AnomalyCLIP with ViT-L/14@336.
    public init(imageSize: Int = CLIPImagePreprocessor.defaultImageSize,
                mean: ChannelValues = CLIPImagePreprocessor.openAIMean,
                std: ChannelValues = CLIPImagePreprocessor.openAIStd,
                imageFilter: ResampleFilter = .bicubic,
                maskFilter: ResampleFilter = .bilinear) {
        self.imageSize = imageSize
        self.mean = mean
        self.std = std
        self.imageFilter = imageFilter
        self.maskFilter = maskFilter
    }

    /// Pixel values [3, S, S] (channel-major): resize in the image's own mode (RGBA premultiplied,
    /// as PIL does), convert to RGB, then `(v / 255 − mean) / std` per channel in float32.
    public func pixelValues(_ image: ByteImage) throws -> Tensor {
        let resized = try image.resized(width: imageSize, height: imageSize, filter: imageFilter).converted(to: .rgb)
        let plane = imageSize * imageSize
        var out = [Float](repeating: 0, count: 3 * plane)
        resized.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<3 {
                    let m = mean[c]
                    let s = std[c]
                    for i in 0..<plane {
                        // Divide rather than multiply by reciprocals: bit-equal to torchvision's float32 ops.
                        dst[c * plane + i] = (Float(src[i * 3 + c]) / 255 - m) / s
                    }
                }
            }
        }
        return Tensor(shape: [3, imageSize, imageSize], data: out)
    }

    /// Binary mask [S, S] in {0, 1}: grey level (PIL `convert("L")`) > 0 → 255, resized with
    /// `maskFilter` as an 8-bit grey image, then `v / 255 > 0.5`.
    public func maskValues(_ mask: ByteImage) throws -> Tensor {
        var binary = mask.converted(to: .gray)
        for i in binary.pixels.indices { binary.pixels[i] = binary.pixels[i] > 0 ? 255 : 0 }
        let resized = try binary.resized(width: imageSize, height: imageSize, filter: maskFilter)
        let values = resized.pixels.map { Float($0) / 255 > CLIPImagePreprocessor.maskThreshold ? Float(1) : 0 }
        return Tensor(shape: [imageSize, imageSize], data: values)
    }
}
