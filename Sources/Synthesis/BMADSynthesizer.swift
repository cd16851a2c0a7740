import Foundation
import Raster

/// Makes a BMAD-layout anomaly-detection set from a real normal brain volume with synthetic lesions.
///
/// Layout (as BMAD's Brain_AD / MVFA): `<split>/good/img/*.png`, `<split>/Ungood/img/*.png` and
/// `<split>/Ungood/anomaly_mask/*.png` (same names, 0/255 grey), for split = train, valid, test;
/// plus `manifest.json` (every image, its slice and lesion parameters) and `README.md`.
/// File names are `<volume>_<slice>[_<variant>].png`.
///
/// Splits never share a slice: usable slices are cut into bands of `bandSize` consecutive slices (the
/// last one takes the remainder),
/// whole bands are dealt to the splits in proportion to their image counts, and where two bands of
/// different splits meet, the slice on each side of the boundary is dropped, so slices of different
/// splits are at least 3 slice positions apart. Within a split, normal images take alternate slices of
/// the split's bands and abnormal images the others. When a split needs more images than it has slices,
/// later variants reuse slices: mirrored left–right (odd variants), with a brightness change of 1.2–9.6%
/// (variants 2 and up), and with new lesions. Normal images repeat only beyond 34 per slice and split.
///
/// Every image depends only on the seed, the source and its own (split, class, number), so the same
/// inputs always give byte-identical files.
public struct BMADSynthesizer: Sendable {
    /// Split folder names, in the order images are made.
    public static let splits = ["train", "valid", "test"]

    /// Real slices the images come from.
    public var source: BrainSliceSource
    /// Counts, seed and lesion ranges.
    public var options: BMADSynthesisOptions

    /// Checks the options (counts, fractions, ranges) and keeps the source.
    public init(source: BrainSliceSource, options: BMADSynthesisOptions = .init()) throws {
        try options.validate()
        self.source = source
        self.options = options
    }

    /// One rendered image: grey pixels, and the 0/255 mask for abnormal ones.
    public struct Rendered: Sendable {
        /// What the image is (split, class, name, slice, lesions).
        public var sample: BMADSample
        /// size×size grey pixels, row-major, before any colour map.
        public var grey: [UInt8]
        /// size×size mask (0 or 255) for abnormal images; nil for normal ones.
        public var mask: [UInt8]?
        /// The same slice (same mirroring) without lesions: what the image would be if normal.
        public var base: BrainSlice
    }

    /// Number of images of each split.
    func count(_ split: String) -> Int {
        switch split {
        case "train": return options.train
        case "valid": return options.valid
        default: return options.test
        }
    }

    /// Abnormal images of a split of `n` images.
    func abnormalCount(_ n: Int) -> Int { Int((Double(n) * options.abnormalFraction).rounded()) }

    /// Slice indices (into `source.slices`) given to each split, in increasing order.
    public func splitPositions() throws -> [String: [Int]] {
        let usable = source.slices.count
        // Whole bands only: the remainder joins the last band, so every band keeps a slice after its edges are dropped.
        let bandCount = max(1, usable / options.bandSize)
        let bands = (0..<bandCount).map { b in
            (b * options.bandSize)..<(b == bandCount - 1 ? usable : (b + 1) * options.bandSize)
        }
        let wanted = Self.splits.filter { count($0) > 0 }
        guard bands.count >= wanted.count else {
            throw SynthesisError.notEnoughSlices(path: source.path, usable: usable,
                                                 reason: "\(bands.count) bands of \(options.bandSize) for \(wanted.count) splits")
        }
        let total = Double(wanted.map(count).reduce(0, +))
        var owner: [String] = []
        var dealt: [String: Int] = [:]
        // Largest deficit first; every split gets one band before any gets a second, so none is left out.
        for b in bands.indices {
            let missing = wanted.filter { (dealt[$0] ?? 0) == 0 }
            let remaining = bands.count - b
            let candidates = missing.count >= remaining ? missing : wanted
            let pick = candidates.max { a, c in
                let da = Double(count(a)) / total * Double(b + 1) - Double(dealt[a] ?? 0)
                let dc = Double(count(c)) / total * Double(b + 1) - Double(dealt[c] ?? 0)
                return da < dc || (da == dc && Self.splits.firstIndex(of: a)! > Self.splits.firstIndex(of: c)!)
            }!
            owner.append(pick)
            dealt[pick, default: 0] += 1
        }
        var positions: [String: [Int]] = [:]
        for (b, range) in bands.enumerated() {
            var kept = Array(range)
            if b > 0 && owner[b - 1] != owner[b] { kept.removeFirst() }
            if b + 1 < bands.count && owner[b + 1] != owner[b] && !kept.isEmpty { kept.removeLast() }
            positions[owner[b], default: []].append(contentsOf: kept)
        }
        for split in wanted where (positions[split] ?? []).isEmpty {
            throw SynthesisError.notEnoughSlices(path: source.path, usable: usable, reason: "split \(split) got no slice")
        }
        return positions
    }

    /// Which slice (position in `source.slices`) and variant image `number` of a class uses.
    static func pick(number: Int, of n: Int, pool: [Int]) -> (position: Int, variant: Int) {
        if n <= pool.count { return (pool[number * pool.count / n], 0) }
        return (pool[number % pool.count], number / pool.count)
    }

    /// Renders image `number` of `className` ("good" or "Ungood") in `split`.
    public func render(split: String, className: String, number: Int, positions: [String: [Int]]) throws -> Rendered {
        let n = count(split)
        let abnormal = className != "good"
        let classCount = abnormal ? abnormalCount(n) : n - abnormalCount(n)
        let all = positions[split] ?? []
        let alternate = all.enumerated().filter { ($0.offset % 2 == 1) == abnormal }.map(\.element)
        let pool = alternate.isEmpty ? all : alternate
        let (position, variant) = Self.pick(number: number, of: classCount, pool: pool)
        var slice = source.slices[position]
        let mirrored = variant % 2 == 1
        if mirrored { slice = slice.mirrored() }
        if variant >= 2 {
            // Later reuses of a slice change its brightness in steps of 1.2% (2 grey levels at the tissue
            // ceiling): +1.2%, −1.2%, +2.4%, … up to ±9.6%, so the first 34 images of a slice and class differ.
            let k = (variant / 2 - 1) % 16
            let gain = 1 + 0.012 * Double(k / 2 + 1) * (k % 2 == 0 ? 1 : -1)
            slice.grey = slice.grey.map { UInt8(min(255, (Double($0) * gain).rounded())) }
        }
        let name = "\(source.name)_\(slice.index)" + (variant > 0 ? "_\(variant)" : "") + ".png"
        guard abnormal else {
            let sample = BMADSample(split: split, className: className, fileName: name, slice: slice.index, variant: variant,
                                    mirrored: mirrored, lesions: [], maskPixels: 0)
            return Rendered(sample: sample, grey: slice.grey, mask: nil, base: slice)
        }
        var rng = SeededRandom(seed: options.seed, stream: "\(split)/\(className)/\(number)")
        let lesionCount = rng.uniform() < options.secondLesionProbability ? 2 : 1
        var grey = slice.grey
        var mask = [UInt8](repeating: 0, count: grey.count)
        var lesions: [SyntheticLesion] = []
        for _ in 0..<lesionCount {
            guard let lesion = place(on: slice, using: &rng) else {
                if lesions.isEmpty { throw SynthesisError.noLesionPlacement(path: source.path, slice: slice.index) }
                break
            }
            lesion.apply(to: &grey, mask: &mask, brain: slice.brain, size: slice.size)
            lesions.append(lesion)
        }
        let sample = BMADSample(split: split, className: className, fileName: name, slice: slice.index, variant: variant,
                                mirrored: mirrored, lesions: lesions, maskPixels: mask.filter { $0 != 0 }.count)
        return Rendered(sample: sample, grey: grey, mask: mask, base: slice)
    }

    /// A lesion whose whole support lies in the slice's interior, or nil after 600 tries
    /// (the radius range shrinks every 150 tries so small brains still get one).
    func place(on slice: BrainSlice, using rng: inout SeededRandom) -> SyntheticLesion? {
        let inside = slice.interior.indices.filter { slice.interior[$0] != 0 }
        guard !inside.isEmpty else { return nil }
        let scale = Double(slice.size) / 240
        var upper = options.radiusRange.upperBound * scale
        let lower = max(1, options.radiusRange.lowerBound * scale)
        for attempt in 0..<600 {
            if attempt > 0 && attempt % 150 == 0 { upper = max(lower, upper * 0.6) }
            let p = inside[rng.int(inside.count)]
            let lesion = SyntheticLesion.random(
                centerX: Double(p % slice.size) + rng.uniform(-0.5, 0.5), centerY: Double(p / slice.size) + rng.uniform(-0.5, 0.5),
                radiusRange: lower...max(lower, upper), contrastRange: options.contrastRange, using: &rng)
            if lesion.fits(in: slice.interior, size: slice.size) { return lesion }
        }
        return nil
    }

    /// Renders every image of every split, in split, class and number order.
    public func renderAll() throws -> [Rendered] {
        let positions = try splitPositions()
        var out: [Rendered] = []
        for split in Self.splits {
            let n = count(split)
            let bad = abnormalCount(n)
            for i in 0..<(n - bad) { out.append(try render(split: split, className: "good", number: i, positions: positions)) }
            for i in 0..<bad { out.append(try render(split: split, className: "Ungood", number: i, positions: positions)) }
        }
        return out
    }

    /// Writes the set into `output` (created; it must be absent or empty unless `replace` is set, in which
    /// case only the train/valid/test folders, `manifest.json` and `README.md` there are replaced).
    /// `command` is quoted in the README as the way to make the set again.
    @discardableResult
    public func write(to output: String, replace: Bool = false, command: String) throws -> [BMADSample] {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: output), !existing.isEmpty {
            guard replace else {
                throw SynthesisError.writeFailed(path: output, reason: "folder is not empty (use replace to regenerate)")
            }
            for name in Self.splits + ["manifest.json", "README.md"] {
                let path = (output as NSString).appendingPathComponent(name)
                if fm.fileExists(atPath: path) {
                    do { try fm.removeItem(atPath: path) } catch {
                        throw SynthesisError.writeFailed(path: path, reason: "cannot remove: \(error.localizedDescription)")
                    }
                }
            }
        }
        let rendered = try renderAll()
        for r in rendered {
            let classDir = "\(output)/\(r.sample.split)/\(r.sample.className)"
            try makeFolder("\(classDir)/img")
            try writePNG(r.grey, colour: options.colorMode == .bone, to: "\(classDir)/img/\(r.sample.fileName)")
            if let mask = r.mask {
                try makeFolder("\(classDir)/anomaly_mask")
                try writePNG(mask, colour: false, to: "\(classDir)/anomaly_mask/\(r.sample.fileName)")
            }
        }
        let samples = rendered.map(\.sample)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifest = "\(output)/manifest.json"
        do {
            try encoder.encode(samples).write(to: URL(fileURLWithPath: manifest))
            try readme(samples: samples, command: command).write(toFile: "\(output)/README.md", atomically: true, encoding: .utf8)
        } catch {
            throw SynthesisError.writeFailed(path: output, reason: "\(error)")
        }
        return samples
    }

    func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SynthesisError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    func writePNG(_ grey: [UInt8], colour: Bool, to path: String) throws {
        let n = source.slices.first?.size ?? 0
        do {
            let image = colour
                ? try ByteImage(width: n, height: n, mode: .rgb, pixels: BoneColormap.rgb(grey))
                : try ByteImage(width: n, height: n, mode: .gray, pixels: grey)
            try PNGFile.write(image, to: path)
        } catch {
            throw SynthesisError.writeFailed(path: path, reason: "\(error)")
        }
    }

    /// The README written into the generated folder.
    func readme(samples: [BMADSample], command: String) -> String {
        let size = source.slices.first?.size ?? 0
        let scale = Double(size) / 240
        var lines: [String] = [
            "# Synthetic BMAD-layout brain MRI set (SYNTHETIC LESIONS)",
            "",
            "The brain images are real: axial slices of `\((source.path as NSString).lastPathComponent)` (a normal brain).",
            "**Every lesion is synthetic**: drawn by a program, not a real pathology. Use this set for demos and",
            "to check that a model learns; it says nothing about clinical performance.",
            "",
            "- Images: \(size)×\(size) PNG, \(options.colorMode == .bone ? "RGB through the bone colour map" : "8-bit grey"); normal tissue windowed to 0–\(BrainSliceSource.tissueCeiling) (percentiles 0.5–99.5 of the brain), so lesions can be brighter than any tissue, as on FLAIR.",
            "- Lesions: perturbed ellipses with smooth edges, radius \(format(options.radiusRange.lowerBound * scale))–\(format(options.radiusRange.upperBound * scale)) px, contrast \(format(options.contrastRange.lowerBound))–\(format(options.contrastRange.upperBound)) of the way to a bright peak, wholly inside the brain; \(Int(options.secondLesionProbability * 100))% of abnormal images have two.",
            "- Masks (`anomaly_mask/`, 0/255): pixels where the lesion blend weight is at least \(SyntheticLesion.maskWeight), i.e. where the lesion adds at least half of its full local contribution. Normal images have no mask (all zero).",
            "- Names: `<volume>_<slice>[_<variant>].png`; variants above 0 reuse a slice (odd ones mirrored left–right, from 2 on with a brightness change of 1.2–9.6%, abnormal ones with new lesions).",
            "- Splits never share a slice: bands of \(options.bandSize) consecutive slices go whole to one split, and the slice on each side of a boundary between splits is dropped.",
            "- `manifest.json` lists every image with its slice, variant and lesion parameters.",
            "",
            "| split | normal | abnormal | source slices |",
            "|---|---|---|---|",
        ]
        for split in Self.splits {
            let s = samples.filter { $0.split == split }
            let slices = Set(s.map(\.slice)).sorted()
            lines.append("| \(split) | \(s.filter { $0.className == "good" }.count) | \(s.filter { $0.className != "good" }.count) | \(Self.ranges(slices)) |")
        }
        lines += ["", "Made with seed \(options.seed) by:", "", "```", command, "```", ""]
        return lines.joined(separator: "\n")
    }

    func format(_ v: Double) -> String { String(format: "%g", v) }

    /// "3–7, 12, 20–25" for sorted integers.
    static func ranges(_ values: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < values.count {
            var j = i
            while j + 1 < values.count && values[j + 1] == values[j] + 1 { j += 1 }
            parts.append(i == j ? "\(values[i])" : "\(values[i])–\(values[j])")
            i = j + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
