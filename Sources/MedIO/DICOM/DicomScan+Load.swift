/// The outcome of loading one series of a scan.
public struct DicomSeriesOutcome: Sendable {
    public var series: DicomSeries
    public var result: Result<Volume, MedIOError>
}

extension DicomScan {
    /// Loads every series, continuing after failures; each failure is kept with its error.
    public func loadAll(options: DicomSeriesOptions = .init()) -> [DicomSeriesOutcome] {
        series.map { s in
            do {
                return DicomSeriesOutcome(series: s, result: .success(try DicomSeriesReader.load(s, options: options)))
            } catch let error as MedIOError {
                return DicomSeriesOutcome(series: s, result: .failure(error))
            } catch {
                return DicomSeriesOutcome(series: s, result: .failure(.unreadable(path: s.seriesInstanceUID, reason: "\(error)")))
            }
        }
    }
}
