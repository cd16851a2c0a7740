import Foundation

/// The clock that dates written objects (Series, Content and Instance Creation date and time).
///
/// Injected so that tests and re-runs can produce byte-identical outputs.
public struct DicomWriteClock: Sendable {
    /// Returns the current instant.
    public var now: @Sendable () -> Date
    /// Time zone the DICOM DA/TM values are expressed in (DICOM dates are local time).
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = .current, now: @escaping @Sendable () -> Date) {
        self.now = now
        self.timeZone = timeZone
    }

    /// The machine's clock in its local time zone.
    public static var system: DicomWriteClock { DicomWriteClock { Date() } }

    /// Always `date`, expressed in `timeZone` (UTC unless given).
    public static func fixed(_ date: Date, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> DicomWriteClock {
        DicomWriteClock(timeZone: timeZone) { date }
    }

    /// The current instant as DICOM DA (YYYYMMDD) and TM (HHMMSS).
    func stamp() -> (date: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now())
        func pad(_ v: Int?, _ width: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return (pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2), pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2))
    }
}
