import Foundation
import Raster

/// Analyses an image much larger than the model input in overlapping tiles at native (or a chosen)
/// resolution, so a lesion a few pixels wide is seen at its own size instead of being averaged
/// away by resizing the whole image to S×S.
///
/// Geometry: the image is first resampled by `resolutionScale` (bicubic; 1 keeps it). Tiles are
/// T×T (T = `tileSize`, default S) with origins 0, stride, 2·stride, … and one more flush with the
/// far edge so every pixel is covered; along a side shorter than T the tile is padded by repeating
/// the edge pixels and the padded part of its map is dropped. Each tile's S×S map is resized to
/// T×T (bilinear) when T ≠ S, weighted by `TileWindow` and accumulated; the image map is
/// Σ w·m / Σ w. The image score is the **maximum tile score** (a finding anywhere makes the image
/// abnormal, as for slices in a series). Maps are at the analysed resolution.
public struct TiledInference: Sendable {
    public let scorer: any SliceScorer
    public let options: TilingOptions
    /// Tiles handed to the scorer at once (bounds memory: each tile is S² floats of map).
    public var batchSize: Int

    public init(scorer: any SliceScorer, options: TilingOptions = TilingOptions(), batchSize: Int = 8) {
        self.scorer = scorer
        self.options = options
        self.batchSize = max(1, batchSize)
    }

    /// One tile's place and score.
    public struct Tile: Codable, Sendable, Equatable {
        public var x: Int
        public var y: Int
        public var score: Float
    }

    public struct Result: Sendable {
        /// The blended map at the analysed resolution (width × height of the resampled image).
        public var map: FloatImage
        /// max over tiles of the tile score.
        public var score: Float
        public var tiles: [Tile]
        public var tileSize: Int
        public var stride: Int
    }

    /// Tile origins along a side of `length` pixels: 0, stride, … plus one flush with the end.
    public static func origins(length: Int, tile: Int, stride: Int) -> [Int] {
        guard length > tile else { return [0] }
        var o = Array(Swift.stride(from: 0, through: length - tile, by: stride))
        if o.last! != length - tile { o.append(length - tile) }
        return o
    }

    /// Analyses one image.
    public func analyse(_ image: ByteImage) throws -> Result {
        let s = scorer.inputSize
        let t = options.tileSize ?? s
        let step = options.stride ?? max(1, t / 2)
        guard t >= 1, step >= 1, step <= t else {
            throw MedVMADError.invalidInput(reason: "tiling needs 1 ≤ stride ≤ tile size, got tile \(t), stride \(step)")
        }
        guard options.resolutionScale > 0, options.resolutionScale.isFinite else {
            throw MedVMADError.invalidInput(reason: "resolution scale must be positive, got \(options.resolutionScale)")
        }
        var work = image
        if options.resolutionScale != 1 {
            let w = max(1, Int((Double(image.width) * options.resolutionScale).rounded()))
            let h = max(1, Int((Double(image.height) * options.resolutionScale).rounded()))
            work = try image.resized(width: w, height: h, filter: .bicubic)
        }
        let width = work.width, height = work.height
        let xs = Self.origins(length: width, tile: t, stride: step)
        let ys = Self.origins(length: height, tile: t, stride: step)
        let w1 = options.window.weights(length: t)
        var acc = [Float](repeating: 0, count: width * height)
        var wsum = [Float](repeating: 0, count: width * height)
        var tiles: [Tile] = []
        var origins: [(Int, Int)] = []
        for y in ys { for x in xs { origins.append((x, y)) } }
        for start in stride(from: 0, to: origins.count, by: batchSize) {
            let chunk = Array(origins[start..<min(start + batchSize, origins.count)])
            let crops = try chunk.map { try Self.crop(work, x: $0.0, y: $0.1, size: t) }
            let results = try scorer.score(images: crops)
            guard results.count == chunk.count else {
                throw MedVMADError.invalidInput(reason: "scorer returned \(results.count) results for \(chunk.count) tiles")
            }
            for ((x, y), r) in zip(chunk, results) {
                guard r.map.count == r.size * r.size, r.size > 0 else {
                    throw MedVMADError.invalidInput(reason: "scorer map has \(r.map.count) values for size \(r.size)")
                }
                var m = r.map
                if r.size != t {
                    m = try FloatImage(width: r.size, height: r.size, values: r.map).resized(width: t, height: t, filter: .bilinear).values
                }
                Self.accumulate(m, tile: t, x: x, y: y, weights: w1, into: &acc, weightSum: &wsum, width: width, height: height)
                tiles.append(Tile(x: x, y: y, score: r.score))
            }
        }
        acc.withUnsafeMutableBufferPointer { a in
            wsum.withUnsafeBufferPointer { ws in
                for i in 0..<a.count { a[i] = ws[i] > 0 ? a[i] / ws[i] : 0 }
            }
        }
        return Result(map: try FloatImage(width: width, height: height, values: acc),
                      score: tiles.map(\.score).max() ?? 0, tiles: tiles, tileSize: t, stride: step)
    }

    /// The T×T tile at (x, y), edge pixels repeated where it runs past the image.
    static func crop(_ image: ByteImage, x: Int, y: Int, size t: Int) throws -> ByteImage {
        let c = image.channels, w = image.width, h = image.height
        var out = [UInt8](repeating: 0, count: t * t * c)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let inside = max(0, min(t, w - x))  // columns of the tile inside the image
                for ty in 0..<t {
                    let sy = min(h - 1, y + ty)
                    let srcRow = src.baseAddress! + (sy * w + x) * c, dstRow = dst.baseAddress! + ty * t * c
                    dstRow.update(from: srcRow, count: inside * c)
                    // Past the right edge: repeat the last column.
                    let last = src.baseAddress! + (sy * w + w - 1) * c
                    for tx in inside..<t { (dstRow + tx * c).update(from: last, count: c) }
                }
            }
        }
        return try ByteImage(width: t, height: t, mode: image.mode, pixels: out)
    }

    /// acc += w·m and wsum += w over the part of the tile inside the image.
    static func accumulate(_ m: [Float], tile t: Int, x: Int, y: Int, weights w1: [Float],
                           into acc: inout [Float], weightSum wsum: inout [Float], width: Int, height: Int) {
        let tw = min(t, width - x), th = min(t, height - y)
        m.withUnsafeBufferPointer { mp in
            w1.withUnsafeBufferPointer { wp in
                acc.withUnsafeMutableBufferPointer { ap in
                    wsum.withUnsafeMutableBufferPointer { sp in
                        for ty in 0..<th {
                            let wy = wp[ty], row = (y + ty) * width + x
                            for tx in 0..<tw {
                                let w = wy * wp[tx]
                                ap[row + tx] += w * mp[ty * t + tx]
                                sp[row + tx] += w
                            }
                        }
                    }
                }
            }
        }
    }
}
