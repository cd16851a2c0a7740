/// Loads DICOM series into `Volume`s.
public enum DicomSeriesReader {
    /// Plans and loads `series`. Throws `.geometry` when the plan has errors, and the per-file
    /// error (naming the file) when a slice cannot be decoded. Dropped slices, inverted
    /// MONOCHROME1 data and every geometry warning are listed in `Volume.warnings`.
    public static func load(_ series: DicomSeries, options: DicomSeriesOptions = .init()) throws -> Volume {
        try load(plan: DicomSeriesPlan.make(series, options: options), options: options)
    }

    /// Loads a plan made earlier (e.g. shown to the user first).
    public static func load(plan: DicomSeriesPlan, options: DicomSeriesOptions = .init()) throws -> Volume {
        guard plan.errors.isEmpty else {
            throw MedIOError.geometry(series: plan.label, reason: plan.errors.joined(separator: "; "))
        }
        let nx = plan.size[0], ny = plan.size[1], nz = plan.size[2]
        let (voxelCount, overflow) = nx.multipliedReportingOverflow(by: ny * nz)
        guard !overflow, voxelCount <= options.limits.maxVoxelsPerVolume else {
            throw MedIOError.limitExceeded(
                path: plan.series.instances.first?.path ?? plan.series.seriesInstanceUID,
                reason: "series \(plan.label) would be \(nx) x \(ny) x \(nz) voxels, over the limit of \(options.limits.maxVoxelsPerVolume)")
        }
        var voxels = [Float](repeating: 0, count: voxelCount)
        let sliceSize = nx * ny

        // Decode each object once, over the range of its frames that the plan uses.
        var zByObject: [String: [(frame: Int, z: Int)]] = [:]
        var headers: [String: DicomHeader] = [:]
        for (z, s) in plan.slices.enumerated() {
            zByObject[s.header.path, default: []].append((s.frame, z))
            headers[s.header.path] = s.header
        }
        var inverted = false
        var signMismatch: [String] = []
        for path in zByObject.keys.sorted() {
            let wanted = zByObject[path]!
            let first = wanted.map(\.frame).min()!, last = wanted.map(\.frame).max()!
            let decoded = try DicomFrames.read(header: headers[path]!, first: first, count: last - first + 1, limits: options.limits)
            inverted = inverted || decoded.inverted
            if decoded.j2kSignMismatch { signMismatch.append(path) }
            decoded.values.withUnsafeBufferPointer { src in
                voxels.withUnsafeMutableBufferPointer { dst in
                    for (frame, z) in wanted {
                        let from = src.baseAddress! + (frame - first) * sliceSize
                        (dst.baseAddress! + z * sliceSize).update(from: from, count: sliceSize)
                    }
                }
            }
        }

        var warnings = plan.warnings
        for d in plan.dropped { warnings.append("dropped \(d.path) frame \(d.frame): \(d.reason)") }
        if inverted { warnings.append("MONOCHROME1: values inverted within the stored range so that larger is brighter") }
        if !signMismatch.isEmpty {
            warnings.append("JPEG 2000 signedness disagreed with PixelRepresentation (values follow PixelRepresentation) in \(signMismatch.count) file(s), first \(signMismatch[0])")
        }

        let middle = plan.slices[plan.slices.count / 2]
        var window = middle.geometry.window
        if inverted, let w = window {
            // WindowCenter refers to the values before inversion; mirror it the same way
            // (rescaled stored minimum + maximum − value) so it still selects the same tissue.
            let range = middle.header.storedValueRange
            let slope = middle.geometry.rescaleSlope ?? 1, intercept = middle.geometry.rescaleIntercept ?? 0
            window = Window(center: (range.lowerBound + range.upperBound) * slope + 2 * intercept - w.center, width: w.width)
            warnings.append("MONOCHROME1: suggested window center mirrored to \(window!.center)")
        }
        let reference = DicomSeriesReference(
            studyInstanceUID: plan.series.studyInstanceUID, seriesInstanceUID: plan.series.seriesInstanceUID,
            frameOfReferenceUID: middle.header.frameOfReferenceUID, seriesDescription: plan.series.seriesDescription,
            seriesNumber: plan.series.seriesNumber,
            slices: plan.slices.map {
                DicomSliceReference(path: $0.header.path, frame: $0.frame, sopInstanceUID: $0.header.sopInstanceUID,
                                    sopClassUID: $0.header.sopClassUID, position: $0.geometry.position ?? [0, 0, 0])
            })
        return Volume(size: plan.size, voxels: voxels, spacing: plan.spacing, indexToPatient: plan.indexToPatient,
                      modality: plan.series.modality, suggestedWindow: window,
                      source: .dicom(reference), warnings: warnings)
    }
}
