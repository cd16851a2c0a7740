extension DicomScan {
    /// Studies and series found, with the geometry problems each series has, without decoding pixels.
    public func listing(options: DicomSeriesOptions = .init()) -> [DicomStudySummary] {
        var studies: [DicomStudySummary] = []
        for s in series {
            let plan = DicomSeriesPlan.make(s, options: options)
            let summary = DicomSeriesSummary(
                studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID, modality: s.modality,
                seriesDescription: s.seriesDescription, seriesNumber: s.seriesNumber, instanceCount: s.instances.count,
                sliceCount: plan.errors.isEmpty ? plan.slices.count : 0, size: plan.size, spacing: plan.spacing,
                transferSyntaxes: Array(Set(s.instances.map(\.transferSyntaxUID))).sorted(), dropped: plan.dropped,
                warnings: plan.warnings, errors: plan.errors)
            if let i = studies.firstIndex(where: { $0.studyInstanceUID == s.studyInstanceUID }) {
                studies[i].series.append(summary)
            } else {
                let first = s.instances[0]
                studies.append(DicomStudySummary(studyInstanceUID: s.studyInstanceUID,
                                                 patientName: includesPatient ? first.patientName : nil,
                                                 patientID: includesPatient ? first.patientID : nil, series: [summary]))
            }
        }
        return studies
    }
}
