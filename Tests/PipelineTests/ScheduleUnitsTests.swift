import Foundation
import Testing
@testable import Pipeline

@Suite struct ScheduleUnitsTests {
    func spec(_ schedule: String) throws -> PipelineSpec {
        PipelineSpec(path: "/etc/medvmad/nightly.yaml", name: "Nightly Brain", output: nil, ingest: IngestStage(folders: ["/in"]),
                     select: SelectStage(rules: [SeriesRule(name: "r")]), prepare: PrepareStage(),
                     infer: InferStage(model: "/m", className: "brain"), write: WriteStage(outputs: [.nifti]), send: nil,
                     report: ReportStage(), schedule: try CronExpression(schedule), execution: ExecutionSettings())
    }

    @Test func crontabLineGuardsAgainstOverlap() throws {
        let units = try ScheduleUnits(spec: spec("30 1 * * *"), binary: "/opt/medvmad/bin/medvmad", output: "/srv/out")
        #expect(units.crontabLine == "30 1 * * * mkdir -p /srv/out && flock -n /srv/out/.schedule.lock /opt/medvmad/bin/medvmad run /etc/medvmad/nightly.yaml --output /srv/out >> /srv/out/cron.log 2>&1")
        #expect(units.unitName == "medvmad-nightly-brain")
        #expect(units.systemdService.contains("ExecStart=/usr/bin/flock -n /srv/out/.schedule.lock /opt/medvmad/bin/medvmad run"))
        #expect(units.systemdTimer.contains("OnCalendar=*-*-* 01:30:00"))
        #expect(units.systemdTimer.contains("Unit=medvmad-nightly-brain.service"))
    }

    @Test func calendarExpressions() throws {
        #expect(try ScheduleUnits(spec: spec("0,30 22 * * mon-fri"), binary: "/b", output: "/o").onCalendar == ["Mon,Tue,Wed,Thu,Fri *-*-* 22:00,30:00"])
        // cron ORs restricted day-of-month and day-of-week; two OnCalendar lines do the same.
        #expect(try ScheduleUnits(spec: spec("0 6 1 * sun"), binary: "/b", output: "/o").onCalendar == ["*-*-01 06:00:00", "Sun *-*-* 06:00:00"])
    }

    @Test func pathsWithSpacesAreQuoted() throws {
        let units = try ScheduleUnits(spec: spec("@daily"), binary: "/b", output: "/srv/my out")
        #expect(units.crontabLine.contains("flock -n '/srv/my out/.schedule.lock'"))
    }
}
