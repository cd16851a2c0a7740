/// 8-connected components of a binary mask, as `skimage.measure.label(mask, connectivity=2)`
/// (the default for 2-D): pixels touching by an edge or a corner belong to one region.
///
/// Two-pass union–find over the row-major grid: O(pixels · α) time, O(pixels) memory.
/// Regions are numbered 1… in raster order of their first pixel; 0 is background.
public struct ConnectedComponents: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// Region number per pixel, row-major; 0 where the mask is 0.
    public let labels: [Int32]
    /// Pixel count of region r at index r − 1.
    public let sizes: [Int]

    /// Number of regions.
    public var count: Int { sizes.count }

    /// Labels the nonzero pixels of `mask` (height × width, row-major).
    public init(mask: UnsafeBufferPointer<UInt8>, height: Int, width: Int) {
        precondition(mask.count == height * width, "mask holds \(mask.count) values, not \(height)×\(width)")
        self.height = height
        self.width = width
        var provisional = [Int32](repeating: 0, count: mask.count)
        // parent[0] is unused so that provisional label l indexes parent[l].
        var parent: [Int32] = [0]

        func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r {
                let next = parent[Int(y)]
                parent[Int(y)] = r
                y = next
            }
            return r
        }
        func union(_ a: Int32, _ b: Int32) -> Int32 {
            let ra = find(a), rb = find(b)
            if ra == rb { return ra }
            let (lo, hi) = ra < rb ? (ra, rb) : (rb, ra)
            parent[Int(hi)] = lo
            return lo
        }

        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] != 0 {
                // Already-visited neighbours under 8-connectivity: W, NW, N, NE.
                let i = y * width + x
                var label: Int32 = 0
                func join(_ l: Int32) {
                    if l != 0 { label = label == 0 ? find(l) : union(label, l) }
                }
                if x > 0 { join(provisional[i - 1]) }
                if y > 0 {
                    if x > 0 { join(provisional[i - width - 1]) }
                    join(provisional[i - width])
                    if x + 1 < width { join(provisional[i - width + 1]) }
                }
                if label == 0 {
                    label = Int32(parent.count)
                    parent.append(label)
                }
                provisional[i] = label
            }
        }

        // Final numbering in raster order of each region's first pixel.
        var final = [Int32](repeating: 0, count: parent.count)
        var sizes: [Int] = []
        var labels = provisional
        for i in 0..<labels.count where labels[i] != 0 {
            let root = Int(find(labels[i]))
            if final[root] == 0 {
                sizes.append(0)
                final[root] = Int32(sizes.count)
            }
            let l = final[root]
            labels[i] = l
            sizes[Int(l) - 1] += 1
        }
        self.labels = labels
        self.sizes = sizes
    }

    /// Array convenience.
    public init(mask: [UInt8], height: Int, width: Int) {
        self = mask.withUnsafeBufferPointer { ConnectedComponents(mask: $0, height: height, width: width) }
    }
}
