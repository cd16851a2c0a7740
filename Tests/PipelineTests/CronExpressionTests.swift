import Foundation
import Testing
@testable import Pipeline

@Suite struct CronExpressionTests {
    @Test func fieldsExpand() throws {
        let cron = try CronExpression("*/15 9-17/4 1,15 jan-mar mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [9, 13, 17])
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("@daily") == CronExpression("0 0 * * *").withSource("@daily"))
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "a * * * *", "1,,2 * * * *"])
    func invalidExpressionsAreRejected(text: String) {
        #expect(throws: ConditionSyntaxError.self) { try CronExpression(text) }
    }

    /// `next(after:)` against a brute-force minute scan with a predicate written out by hand.
    @Test func nextMatchesBruteForce() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let cases: [(String, (DateComponents) -> Bool)] = [
            ("30 1 * * *", { $0.minute == 30 && $0.hour == 1 }),
            ("*/20 9-10 * * 1-5", { $0.minute! % 20 == 0 && (9...10).contains($0.hour!) && (2...6).contains($0.weekday!) }),
            // Both day fields restricted: cron fires on either.
            ("0 12 13 * 5", { $0.minute == 0 && $0.hour == 12 && ($0.day == 13 || $0.weekday == 6) }),
        ]
        let start = calendar.date(from: DateComponents(year: 2026, month: 2, day: 26, hour: 23, minute: 59))!
        for (text, predicate) in cases {
            let cron = try CronExpression(text)
            var cursor = start
            for _ in 0..<4 {
                var probe = cursor.addingTimeInterval(60)
                while !predicate(calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: probe)) {
                    probe = probe.addingTimeInterval(60)
                }
                let next = try #require(cron.next(after: cursor, calendar: calendar))
                #expect(next == probe, "\(text) after \(cursor)")
                cursor = probe
            }
        }
    }
}

extension CronExpression {
    func withSource(_ text: String) -> CronExpression {
        var copy = self
        copy.source = text
        return copy
    }
}
