import ArgumentParser
import Foundation
import Pipeline

/// `medvmad schedule FILE`: what to install so the system runs the pipeline on its schedule.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schedule",
        abstract: "Print the crontab line and the systemd service and timer for the pipeline's schedule.")

    @Argument(help: "Pipeline file (YAML) with a 'schedule:'.") var file: String
    @Option(help: "Output folder; replaces 'output:'.") var output: String?
    @Option(help: "medvmad binary the units call (default: this one).") var binary: String?
    @Option(help: "How many upcoming times to list.") var next: Int = 3

    func run() throws {
        let spec = try PipelineCommandSupport.load(file)
        guard let folder = output.map({ URL(fileURLWithPath: $0).path }) ?? spec.output else {
            throw ValidationError("no output folder: set 'output:' in the pipeline or pass --output")
        }
        let executable = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let units: ScheduleUnits
        do { units = try ScheduleUnits(spec: spec, binary: executable, output: folder) } catch { throw PipelineCommandSupport.exitCode(for: error) }
        print("# crontab line (crontab -e):")
        print(units.crontabLine)
        print("\n# /etc/systemd/system/\(units.unitName).service")
        print(units.systemdService)
        print("# /etc/systemd/system/\(units.unitName).timer  (systemctl enable --now \(units.unitName).timer)")
        print(units.systemdTimer)
        var cursor = Date()
        var times: [String] = []
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        for _ in 0..<max(0, next) {
            guard let time = units.schedule.next(after: cursor) else { break }
            times.append(formatter.string(from: time))
            cursor = time
        }
        if !times.isEmpty { print("# next runs: \(times.joined(separator: ", "))") }
    }
}
