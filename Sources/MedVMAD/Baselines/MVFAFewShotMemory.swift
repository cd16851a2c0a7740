import Foundation
import Tensor

/// MVFA-AD's few-shot mode (reference-methods §4.4): a memory bank of adapter tokens of augmented
/// normal support images and its distance maps (fused with the zero-shot maps by `MVFAFewShotFusion`).
///
/// Bank per level: the seg bottleneck tokens (CLS included) of 11 views of each support image.
/// Few-shot map per level: for each test patch, min over the bank of 1 − cos; the G×G map is upsampled
/// bilinearly (align corners) to S×S and summed over levels.
public final class MVFAFewShotMemory: @unchecked Sendable {
    // @unchecked: immutable after init.
    public let model: MedVMADModel
    /// Per level: [N, E] unit bank tokens.
    let banks: [FloatBuffer]
    public let bankRows: Int

    /// - Parameter supports: preprocessed normal images [K, 3, S, S].
    public init(model: MedVMADModel, supports: Tensor) throws {
        guard model.config.patchFeatureSource == .adapters else {
            throw MedVMADError.unsupported(reason: "the few-shot memory needs adapter features (profile '\(model.config.profile)')")
        }
        self.model = model
        let views = Self.augment(supports)
        let text = model.textFeatures()
        var banks: [FloatBuffer] = []
        var rows = 0
        // One view at a time: bounded memory for large banks.
        var perLevel: [[Float]] = Array(repeating: [], count: model.config.featureLayers.count)
        let n = views.shape[0], plane = views.count / max(n, 1)
        for i in 0..<n {
            let one = Tensor(shape: [1] + Array(views.shape.dropFirst()), data: Array(views.data[(i * plane)..<((i + 1) * plane)]))
            // The bank holds every token's features, CLS included (the reference's `p[0]`).
            let pass = try VisionPass(model: model, pixels: one, textFeatures: text, training: false, keepAdapters: true)
            for (k, ad) in pass.adapters.enumerated() { perLevel[k] += ad.mid[0].array }
        }
        let e = model.config.adapters!.bottleneck
        for level in perLevel {
            rows = level.count / e
            let unit = FloatBuffer(count: level.count)
            level.withUnsafeBufferPointer { L2Normalize.forward(out: unit.pointer, norms: nil, inp: $0.baseAddress!, rows: rows, width: e) }
            banks.append(unit)
        }
        self.banks = banks
        bankRows = rows
    }

    /// The 11 views of each image of [K, C, H, W] (K·11 images, per image in this order): the original;
    /// rotations by −π/8, −π/16, π/16, π/8; translations by (±0.1, ±0.1) in normalised coordinates;
    /// horizontal and vertical flips. Rotations and translations sample bilinearly with reflection at the
    /// borders (half-pixel convention), as an affine grid with `grid_sample` does.
    public static func augment(_ images: Tensor) -> Tensor {
        let k = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3], plane = h * w
        var out: [Float] = []
        out.reserveCapacity(images.count * 11)
        let affines: [(Double, Double, Double, Double, Double, Double)] =
            [-Double.pi / 8, -Double.pi / 16, Double.pi / 16, Double.pi / 8].map { (cos($0), -sin($0), 0, sin($0), cos($0), 0) }
            + [(0.1, 0.1), (-0.1, 0.1), (-0.1, -0.1), (0.1, -0.1)].map { (1, 0, $0.0, 0, 1, $0.1) }
        for i in 0..<k {
            let img = Array(images.data[(i * c * plane)..<((i + 1) * c * plane)])
            out += img
            for a in affines { out += warp(img, channels: c, height: h, width: w, affine: a) }
            for ch in 0..<c { for y in 0..<h { for x in 0..<w { out.append(img[ch * plane + y * w + (w - 1 - x)]) } } }
            for ch in 0..<c { for y in 0..<h { for x in 0..<w { out.append(img[ch * plane + (h - 1 - y) * w + x]) } } }
        }
        return Tensor(shape: [k * 11, c, h, w], data: out)
    }

    /// Bilinear sampling at θ·(x, y, 1) of every output pixel's normalised centre, reflection padding.
    static func warp(_ img: [Float], channels c: Int, height h: Int, width w: Int, affine t: (Double, Double, Double, Double, Double, Double)) -> [Float] {
        func reflect(_ v: Double, _ size: Int) -> Double {
            // Reflect about the borders −0.5 and size − 0.5, then clip into [0, size − 1].
            let lo = -0.5, span = Double(size)
            var x = abs(v - lo)
            let flips = (x / span).rounded(.down)
            x = x.truncatingRemainder(dividingBy: span)
            let r = Int(flips) % 2 == 0 ? lo + x : lo + span - x
            return min(max(r, 0), Double(size - 1))
        }
        var out = [Float](repeating: 0, count: c * h * w)
        for y in 0..<h {
            for x in 0..<w {
                let nx = (2 * Double(x) + 1) / Double(w) - 1, ny = (2 * Double(y) + 1) / Double(h) - 1
                let sx = t.0 * nx + t.1 * ny + t.2, sy = t.3 * nx + t.4 * ny + t.5
                let ix = reflect(((sx + 1) * Double(w) - 1) / 2, w), iy = reflect(((sy + 1) * Double(h) - 1) / 2, h)
                let x0 = Int(ix.rounded(.down)), y0 = Int(iy.rounded(.down))
                let fx = ix - Double(x0), fy = iy - Double(y0)
                let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                for ch in 0..<c {
                    let p = ch * h * w
                    let v = (1 - fy) * ((1 - fx) * Double(img[p + y0 * w + x0]) + fx * Double(img[p + y0 * w + x1]))
                        + fy * ((1 - fx) * Double(img[p + y1 * w + x0]) + fx * Double(img[p + y1 * w + x1]))
                    out[p + y * w + x] = Float(v)
                }
            }
        }
        return out
    }

    /// Few-shot maps [B, S, S] for preprocessed pixels [B, 3, S, S]: Σ levels of the upsampled min-distance maps.
    public func maps(pixels: Tensor) throws -> Tensor {
        let cfg = model.config, s = cfg.imageSize, s2 = s * s, e = cfg.adapters!.bottleneck
        let pass = try VisionPass(model: model, pixels: pixels, textFeatures: model.textFeatures(), training: false)
        let b = pass.batch, t = pass.tokens, p = t - 1, g = s / model.clip.vision.config.patchSize
        let up = BilinearUpsample(from: (g, g), to: (s, s), alignCorners: true)
        let out = FloatBuffer(count: b * s2), level = FloatBuffer(count: s2), scratch = FloatBuffer(count: g * s)
        let unit = FloatBuffer(count: p * e), sims = FloatBuffer(count: p * bankRows), dist = FloatBuffer(count: p)
        for (k, (seg, _)) in pass.features.enumerated() {
            for bi in 0..<b {
                L2Normalize.forward(out: unit.pointer, norms: nil, inp: seg.pointer + bi * p * e, rows: p, width: e)
                BLAS.gemm(transA: false, transB: true, m: p, n: bankRows, k: e, a: unit.pointer, lda: e, b: banks[k].pointer, ldb: e,
                          c: sims.pointer, ldc: bankRows)
                for i in 0..<p {
                    var best = -Float.infinity
                    let row = sims.pointer + i * bankRows
                    for j in 0..<bankRows where row[j] > best { best = row[j] }
                    dist.pointer[i] = 1 - best
                }
                up.forward(out: level.pointer, inp: dist.pointer, planes: 1, scratch: scratch.pointer)
                Elementwise.axpy(out.pointer + bi * s2, level.pointer, alpha: 1, count: s2)
            }
        }
        return out.tensor([b, s, s])
    }
}
