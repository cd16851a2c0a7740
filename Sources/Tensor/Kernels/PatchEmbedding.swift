/// Non-overlapping convolution (kernel = stride = P, no bias) that turns an image into patch tokens.
public enum PatchEmbedding {
    /// - Parameters:
    ///   - out: [B, G·G, C] patch tokens, row-major over the G×G grid.
    ///   - pixels: [B, 3, S, S] (CHW).  Pixels past G·P on the right/bottom are ignored, as a strided conv does.
    ///   - weight: [C, 3, P, P].
    ///   - scratch: [G·G, 3·P·P] workspace for the unfolded patches.
    public static func forward(out: UnsafeMutablePointer<Float>, pixels: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>, batch b: Int, channels ch: Int, imageSize s: Int,
                               patchSize p: Int, width c: Int) {
        let g = s / p
        let k = ch * p * p
        for bi in 0..<b {
            let img = pixels + bi * ch * s * s
            // Unfold: row (gy·G + gx) holds the patch in (channel, y, x) order, matching the weight layout.
            for gy in 0..<g {
                for gx in 0..<g {
                    let row = scratch + (gy * g + gx) * k
                    var o = 0
                    for cc in 0..<ch {
                        for y in 0..<p {
                            let src = img + cc * s * s + (gy * p + y) * s + gx * p
                            (row + o).update(from: src, count: p)
                            o += p
                        }
                    }
                }
            }
            BLAS.gemm(transA: false, transB: true, m: g * g, n: c, k: k, a: scratch, lda: k, b: weight, ldb: k,
                      beta: 0, c: out + bi * g * g * c, ldc: c)
        }
    }
    // No backward: pixels are inputs and the patch weights are frozen in every profile.
}
