import Foundation

/// A 5-field cron schedule (minute, hour, day of month, month, day of week) as cron(8) reads it:
/// `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists, month and weekday names, 7 as Sunday,
/// and the macros `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public var source: String
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    public var daysOfWeek: Set<Int>
    /// Whether day of month / day of week were `*`; cron ORs the two day fields only when both are restricted.
    public var dayOfMonthIsWildcard: Bool
    public var dayOfWeekIsWildcard: Bool

    /// A field's name, range and value names.
    struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String: Int]
    }

    static let fields: [Field] = [
        Field(name: "minute", range: 0...59, names: [:]),
        Field(name: "hour", range: 0...23, names: [:]),
        Field(name: "day of month", range: 1...31, names: [:]),
        Field(name: "month", range: 1...12, names: Dictionary(uniqueKeysWithValues:
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].enumerated().map { ($1, $0 + 1) })),
        Field(name: "day of week", range: 0...7, names: Dictionary(uniqueKeysWithValues:
            ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].enumerated().map { ($1, $0) })),
    ]

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses a schedule; the error says which field is wrong and why.
    public init(_ text: String) throws(ConditionSyntaxError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ConditionSyntaxError(message: "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)")
        }
        var sets: [Set<Int>] = []
        for (part, field) in zip(parts, Self.fields) {
            sets.append(try Self.parseField(part, field))
        }
        source = trimmed
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = Set(sets[4].map { $0 % 7 })
        dayOfMonthIsWildcard = parts[2].hasPrefix("*")
        dayOfWeekIsWildcard = parts[4].hasPrefix("*")
    }

    static func parseField(_ text: String, _ field: Field) throws(ConditionSyntaxError) -> Set<Int> {
        func fail(_ why: String) -> ConditionSyntaxError {
            ConditionSyntaxError(message: "\(field.name) field '\(text)': \(why)")
        }
        func value(_ token: Substring) throws(ConditionSyntaxError) -> Int {
            if let number = Int(token) {
                guard field.range.contains(number) else { throw fail("\(number) is outside \(field.range.lowerBound)-\(field.range.upperBound)") }
                return number
            }
            if let named = field.names[token.lowercased()] { return named }
            throw fail("'\(token)' is not a number\(field.names.isEmpty ? "" : " or name")")
        }
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("empty list item") }
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw fail("more than one '/'") }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s > 0 else { throw fail("step '\(stepParts[1])' is not a positive number") }
                step = s
            }
            let base = stepParts[0]
            var low: Int, high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.name == "day of week" ? 6 : field.range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash])
                high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw fail("range \(low)-\(high) runs backwards") }
            } else {
                low = try value(base)
                // "5/15" means from 5 to the end in steps of 15, as Vixie cron reads it.
                high = stepParts.count == 2 ? field.range.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// Whether the schedule fires in the minute that contains `components` (needs minute … weekday).
    public func matches(_ c: DateComponents) -> Bool {
        guard let minute = c.minute, let hour = c.hour, let day = c.day, let month = c.month, let weekday = c.weekday else { return false }
        guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
        let domHit = daysOfMonth.contains(day)
        let dowHit = daysOfWeek.contains(weekday - 1)  // Calendar: 1 = Sunday
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard { return domHit && dowHit }
        return domHit || dowHit
    }

    /// The first time after `date` the schedule fires, searching at most about five years ahead.
    public func next(after date: Date, calendar: Calendar = .current) -> Date? {
        var cursor = calendar.date(bySetting: .second, value: 0, of: date.addingTimeInterval(60)) ?? date
        if cursor <= date { cursor = cursor.addingTimeInterval(60) }
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while cursor < limit {
            let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: cursor)
            if !months.contains(c.month!) || !dayMatches(c) {
                // Jump to the next midnight: nothing on this day can fire.
                cursor = calendar.startOfDay(for: cursor.addingTimeInterval(86_400))
                continue
            }
            if !hours.contains(c.hour!) {
                cursor = calendar.date(bySettingHour: c.hour!, minute: 0, second: 0, of: cursor)!.addingTimeInterval(3_600)
                continue
            }
            if matches(c) { return cursor }
            cursor = cursor.addingTimeInterval(60)
        }
        return nil
    }

    private func dayMatches(_ c: DateComponents) -> Bool {
        let domHit = daysOfMonth.contains(c.day!)
        let dowHit = daysOfWeek.contains(c.weekday! - 1)
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard { return domHit && dowHit }
        return domHit || dowHit
    }

    public var description: String { source }
}
