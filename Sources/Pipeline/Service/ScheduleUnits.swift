import Foundation

/// Turns a pipeline's `schedule:` into what the system scheduler needs: a crontab line guarded by
/// `flock -n` (a late night's run makes the next one skip instead of overlapping), and a systemd
/// service and timer pair. The system does the scheduling; medvmad only runs when called.
public struct ScheduleUnits: Sendable {
    public var spec: PipelineSpec
    public var schedule: CronExpression
    /// Absolute path of the medvmad binary.
    public var binary: String
    /// Absolute output folder.
    public var output: String

    public init(spec: PipelineSpec, binary: String, output: String) throws(PipelineError) {
        guard let schedule = spec.schedule else {
            throw .invalidPipeline(path: spec.path, diagnostics: [PipelineDiagnostic(.error, "no 'schedule:' to render", at: nil)])
        }
        self.spec = spec
        self.schedule = schedule
        self.binary = binary
        self.output = output
    }

    /// A unit-safe name from the pipeline name.
    public var unitName: String {
        let safe = spec.name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        return "medvmad-" + String(safe)
    }

    /// Lock file of the scheduler guard; separate from the run's own `OUTPUT/.lock`, because a
    /// child holding an inherited lock on that file would otherwise lock itself out.
    public var guardLock: String { output + "/.schedule.lock" }

    public static func quote(_ text: String) -> String {
        text.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:".contains($0) }) ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// One crontab line (cron runs it with /bin/sh).
    public var crontabLine: String {
        let run = [binary, "run", spec.path, "--output", output].map(Self.quote).joined(separator: " ")
        return "\(schedule.source) mkdir -p \(Self.quote(output)) && flock -n \(Self.quote(guardLock)) \(run) >> \(Self.quote(output + "/cron.log")) 2>&1"
    }

    /// `OnCalendar=` lines; two when both day fields are restricted (cron ORs them, one systemd
    /// calendar expression would AND them, and several OnCalendar lines are ORed).
    public var onCalendar: [String] {
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        func list(_ values: Set<Int>, full: ClosedRange<Int>, width: Int) -> String {
            if Set(full) == values { return "*" }
            return values.sorted().map { String(format: "%0\(width)d", $0) }.joined(separator: ",")
        }
        let time = "\(list(schedule.hours, full: 0...23, width: 2)):\(list(schedule.minutes, full: 0...59, width: 2)):00"
        let month = list(schedule.months, full: 1...12, width: 2)
        let day = list(schedule.daysOfMonth, full: 1...31, width: 2)
        let dow = Set(0...6) == schedule.daysOfWeek ? "" : schedule.daysOfWeek.sorted().map { weekdays[$0] }.joined(separator: ",") + " "
        if !schedule.dayOfMonthIsWildcard && !schedule.dayOfWeekIsWildcard {
            return ["*-\(month)-\(day) \(time)", "\(dow)*-\(month)-* \(time)"]
        }
        return ["\(dow)*-\(month)-\(day) \(time)"]
    }

    /// The `.service` unit: one run, guarded like the cron line.
    public var systemdService: String {
        """
        [Unit]
        Description=medvmad pipeline \(spec.name)
        After=network-online.target

        [Service]
        Type=oneshot
        ExecStartPre=/bin/mkdir -p \(Self.quote(output))
        ExecStart=/usr/bin/flock -n \(Self.quote(guardLock)) \([binary, "run", spec.path, "--output", output].map(Self.quote).joined(separator: " "))
        Nice=10

        """
    }

    /// The `.timer` unit.
    public var systemdTimer: String {
        """
        [Unit]
        Description=Schedule for medvmad pipeline \(spec.name) (cron: \(schedule.source))

        [Timer]
        \(onCalendar.map { "OnCalendar=\($0)" }.joined(separator: "\n"))
        Persistent=true
        Unit=\(unitName).service

        [Install]
        WantedBy=timers.target

        """
    }
}
