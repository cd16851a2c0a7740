/// The spatial layout of a series, worked out from headers alone (no pixel decoding): which
/// slices form the volume and in what order, which were dropped and why, the grid, and the
/// problems found. Used by `DicomSeriesReader` to load and by listings to report.
public struct DicomSeriesPlan: Sendable {
    /// One slice of the planned volume: an object, or one frame of a multi-frame object.
    public struct Slice: Sendable, Equatable {
        public var header: DicomHeader
        public var frame: Int
        public var geometry: DicomFrameGeometry
        /// Position along the slice normal (mm); 0 for images without geometry.
        public var normalPosition: Double
    }

    /// A slice left out of the volume.
    public struct Dropped: Sendable, Equatable, Codable {
        public var path: String
        public var frame: Int
        public var reason: String
    }

    public var series: DicomSeries
    /// Slices in volume order (ascending along the normal).
    public var slices: [Slice]
    public var dropped: [Dropped]
    /// Problems that do not stop loading.
    public var warnings: [String]
    /// Problems that stop loading; empty when the series can be loaded.
    public var errors: [String]
    /// [nx, ny, nz] (0s when the plan has errors).
    public var size: [Int]
    /// [sx, sy, sz] in mm.
    public var spacing: [Double]
    /// Row-major 4×4 from voxel index (x, y, z, 1) to LPS mm.
    public var indexToPatient: [Double]

    /// Plans `series` under `options`. Never throws: unreadable multi-frame geometry and every
    /// inconsistency end up in `errors`.
    public static func make(_ series: DicomSeries, options: DicomSeriesOptions = .init()) -> DicomSeriesPlan {
        var plan = DicomSeriesPlan(series: series, slices: [], dropped: [], warnings: [], errors: [], size: [0, 0, 0],
                                   spacing: [1, 1, 1], indexToPatient: identity)
        plan.build(options)
        if !plan.errors.isEmpty {
            plan.size = [0, 0, 0]
        }
        return plan
    }

    /// The series' name in messages: number and description when present, and the UID.
    public var label: String {
        var parts: [String] = []
        if let n = series.seriesNumber { parts.append("#\(n)") }
        if !series.seriesDescription.isEmpty { parts.append("\"\(series.seriesDescription)\"") }
        parts.append(series.seriesInstanceUID)
        return parts.joined(separator: " ")
    }

    static let identity: [Double] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]

    private mutating func build(_ options: DicomSeriesOptions) {
        var candidates = expandFrames()
        if candidates.isEmpty {
            if errors.isEmpty { errors.append("no image slices") }
            return
        }

        // Localizers by ImageType.
        if options.dropLocalizers {
            candidates = candidates.filter { s in
                if s.header.imageType.contains("LOCALIZER") {
                    drop(s, "ImageType LOCALIZER")
                    return false
                }
                return true
            }
            if candidates.isEmpty {
                errors.append("every slice is a localizer (ImageType LOCALIZER)")
                return
            }
        }

        // Sizes: the majority (Rows, Columns) wins.
        let sizeGroups = Dictionary(grouping: candidates) { [$0.header.columns, $0.header.rows] }
        if sizeGroups.count > 1 {
            let major = sizeGroups.max { a, b in a.value.count < b.value.count || (a.value.count == b.value.count && a.key.lexicographicallyPrecedes(b.key)) }!.key
            let summary = sizeGroups.map { "\($0.key[0])x\($0.key[1]) (\($0.value.count))" }.sorted().joined(separator: ", ")
            if options.mixedSizes == .error {
                errors.append("mixed image sizes: \(summary)")
                return
            }
            warnings.append("mixed image sizes: \(summary); kept \(major[0])x\(major[1])")
            candidates = candidates.filter { s in
                if [s.header.columns, s.header.rows] != major {
                    drop(s, "size \(s.header.columns)x\(s.header.rows) differs from the series (\(major[0])x\(major[1]))")
                    return false
                }
                return true
            }
        }

        let withGeometry = candidates.filter { $0.geometry.position != nil && $0.geometry.orientation != nil }
        if withGeometry.count < candidates.count {
            if candidates.count == 1 {
                // A single 2-D image (CR, DX, MG …) without patient geometry: usable on its own.
                let s = candidates[0]
                warnings.append("no ImagePositionPatient/ImageOrientationPatient: identity orientation and origin 0 assumed")
                var ps = s.geometry.pixelSpacing
                if ps == nil, let imager = s.header.imagerPixelSpacing {
                    ps = imager
                    warnings.append("no PixelSpacing: ImagerPixelSpacing used (detector plane, not corrected for magnification)")
                } else if ps == nil {
                    warnings.append("no PixelSpacing: 1 mm assumed")
                }
                let sx = ps?[1] ?? 1, sy = ps?[0] ?? 1
                let sz = s.geometry.sliceThickness ?? 1
                slices = [s]
                size = [s.header.columns, s.header.rows, 1]
                spacing = [sx, sy, sz]
                indexToPatient = [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1]
                return
            }
            let missing = candidates.filter { $0.geometry.position == nil || $0.geometry.orientation == nil }
            errors.append("\(missing.count) of \(candidates.count) slices lack ImagePositionPatient or ImageOrientationPatient "
                + "(first: \(missing[0].header.path) frame \(missing[0].frame)); cannot order them in space")
            return
        }

        // Orientation: the largest group of (nearly) equal orientations wins; others are dropped.
        var groups: [(orientation: [Double], members: [Slice])] = []
        for s in candidates {
            let o = s.geometry.orientation!
            if let i = groups.firstIndex(where: { zip($0.orientation, o).allSatisfy { abs($0 - $1) <= options.orientationTolerance } }) {
                groups[i].members.append(s)
            } else {
                groups.append((o, [s]))
            }
        }
        let main = groups.enumerated().max { a, b in a.element.members.count < b.element.members.count || (a.element.members.count == b.element.members.count && a.offset > b.offset) }!.element
        if groups.count > 1 {
            if !options.dropLocalizers {
                errors.append("\(groups.count) different orientations in one series")
                return
            }
            for g in groups where g.orientation != main.orientation {
                for s in g.members { drop(s, "orientation differs from the series (localizer or reformat)") }
            }
        }
        candidates = main.members

        // Stored cosines are often rounded (0.99999…); unit vectors keep the affine's scale exact.
        let o = main.orientation
        let r = unit([o[0], o[1], o[2]]), c = unit([o[3], o[4], o[5]])
        var n = cross(r, c)
        let norm = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).squareRoot()
        guard norm > 0.5 else {
            errors.append("ImageOrientationPatient \(o) is degenerate")
            return
        }
        n = n.map { $0 / norm }
        for i in candidates.indices { candidates[i].normalPosition = dot(candidates[i].geometry.position!, n) }
        candidates.sort {
            if $0.normalPosition != $1.normalPosition { return $0.normalPosition < $1.normalPosition }
            if ($0.header.instanceNumber ?? 0) != ($1.header.instanceNumber ?? 0) { return ($0.header.instanceNumber ?? 0) < ($1.header.instanceNumber ?? 0) }
            if $0.header.path != $1.header.path { return $0.header.path < $1.header.path }
            return $0.frame < $1.frame
        }

        // Several temporal positions make a 4-D series; stacking them would interleave time points.
        let temporal = Set(candidates.map(\.geometry.temporalPosition))
        if temporal.count > 1 {
            errors.append("\(temporal.count) temporal positions (4-D series); only 3-D series are loaded")
            return
        }

        // Duplicate positions.
        var unique: [Slice] = []
        var duplicates: [(kept: Slice, extra: Slice)] = []
        for s in candidates {
            if let last = unique.last, abs(s.normalPosition - last.normalPosition) <= options.positionTolerance {
                duplicates.append((last, s))
                if options.duplicatePositions == .warn {
                    drop(s, "duplicate position \(fmt(s.normalPosition)) mm (kept \(last.header.path) frame \(last.frame))")
                }
                continue
            }
            unique.append(s)
        }
        if let (kept, extra) = duplicates.first {
            let text = "\(duplicates.count) slice(s) at a duplicate position; first: duplicate position \(fmt(extra.normalPosition)) mm "
                + "along the normal: \(kept.header.path) frame \(kept.frame) and \(extra.header.path) frame \(extra.frame)"
            if options.duplicatePositions == .error {
                errors.append(text)
                return
            }
            warnings.append(text + "; the later ones were dropped")
        }
        candidates = unique

        // Pixel spacing must agree across slices.
        let ps0 = candidates[0].geometry.pixelSpacing
        if candidates.contains(where: { s in
            switch (s.geometry.pixelSpacing, ps0) {
            case (nil, nil): return false
            case let (a?, b?): return abs(a[0] - b[0]) > 1e-3 * b[0] || abs(a[1] - b[1]) > 1e-3 * b[1]
            default: return true
            }
        }) {
            errors.append("PixelSpacing differs between slices")
            return
        }
        if ps0 == nil { warnings.append("no PixelSpacing: 1 mm assumed") }
        let sy = ps0?[0] ?? 1, sx = ps0?[1] ?? 1

        // Spacing along the normal, from positions (never SliceThickness or SpacingBetweenSlices).
        var sz = candidates[0].geometry.sliceThickness ?? 1
        if candidates.count > 1 {
            let gaps = zip(candidates.dropFirst(), candidates).map { $0.normalPosition - $1.normalPosition }
            let usual = lowerMedian(gaps)
            sz = usual
            var missing: [String] = []
            var irregular: [String] = []
            for (i, g) in gaps.enumerated() {
                let ratio = g / usual
                let k = ratio.rounded()
                let between = "between \(fmt(candidates[i].normalPosition)) and \(fmt(candidates[i + 1].normalPosition)) mm"
                if abs(ratio - 1) <= options.spacingTolerance { continue }
                if k >= 2 && abs(ratio - k) <= options.spacingTolerance * k {
                    missing.append("\(Int(k) - 1) missing \(between)")
                } else {
                    irregular.append("gap \(fmt(g)) mm \(between)")
                }
            }
            if !missing.isEmpty {
                let text = "missing slices (usual spacing \(fmt(usual)) mm): " + missing.joined(separator: "; ")
                if options.missingSlices == .error { errors.append(text) } else { warnings.append(text) }
            }
            if !irregular.isEmpty {
                let text = "non-uniform slice spacing (usual \(fmt(usual)) mm): " + irregular.joined(separator: "; ")
                if options.nonUniformSpacing == .error { errors.append(text) } else { warnings.append(text) }
            }
            // In-plane drift of positions (gantry tilt, sheared stacks): the affine stays orthogonal.
            let p0 = candidates[0].geometry.position!
            let drift = candidates.map { s -> Double in
                let d = sub(s.geometry.position!, p0)
                return max(abs(dot(d, r)), abs(dot(d, c)))
            }.max() ?? 0
            if drift > max(options.positionTolerance, 0.01 * min(sx, sy)) {
                warnings.append("slice positions drift \(fmt(drift)) mm in-plane (gantry tilt or sheared stack); the affine ignores the shear")
            }
        }
        if !errors.isEmpty { return }

        let p0 = candidates[0].geometry.position!
        slices = candidates
        size = [candidates[0].header.columns, candidates[0].header.rows, candidates.count]
        spacing = [sx, sy, sz]
        indexToPatient = [
            r[0] * sx, c[0] * sy, n[0] * sz, p0[0],
            r[1] * sx, c[1] * sy, n[1] * sz, p0[1],
            r[2] * sx, c[2] * sy, n[2] * sz, p0[2],
            0, 0, 0, 1,
        ]
    }

    /// One slice per single-frame object, one per frame of a multi-frame object.
    private mutating func expandFrames() -> [Slice] {
        var out: [Slice] = []
        for h in series.instances {
            if h.frames == 1 && !h.hasFunctionalGroups {
                out.append(Slice(header: h, frame: 0, geometry: h.geometry, normalPosition: 0))
                continue
            }
            do {
                let geometries = try DicomFrameGeometry.readAll(path: h.path, frames: h.frames)
                for (f, g) in geometries.enumerated() { out.append(Slice(header: h, frame: f, geometry: g, normalPosition: 0)) }
            } catch {
                errors.append("\(error)")
            }
        }
        return out
    }

    private mutating func drop(_ s: Slice, _ reason: String) {
        dropped.append(Dropped(path: s.header.path, frame: s.frame, reason: reason))
    }
}

private func cross(_ a: [Double], _ b: [Double]) -> [Double] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { a[0] * b[0] + a[1] * b[1] + a[2] * b[2] }

/// `a` scaled to length 1 (returned unchanged when it is zero, which the caller then rejects).
private func unit(_ a: [Double]) -> [Double] {
    let length = dot(a, a).squareRoot()
    return length > 0 ? a.map { $0 / length } : a
}

private func sub(_ a: [Double], _ b: [Double]) -> [Double] { [a[0] - b[0], a[1] - b[1], a[2] - b[2]] }

/// The lower median: with an even count it picks the smaller middle value, so that in a short
/// series with one missing slice (gaps g, 2g) the usual spacing is g, not 1.5 g.
private func lowerMedian(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s[(s.count - 1) / 2]
}

private func fmt(_ x: Double) -> String {
    let r = (x * 1000).rounded() / 1000
    return r == r.rounded() ? String(Int(r)) : String(r)
}
