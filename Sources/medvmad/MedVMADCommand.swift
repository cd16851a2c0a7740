import ArgumentParser

@main
struct MedVMADCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "medvmad", abstract: "Anomaly detection in medical images with a vision-language model.",
        subcommands: [TrainCommand.self, WeightsCommand.self, BenchCommand.self, ValidateCommand.self, RunCommand.self, StatusCommand.self, InspectCommand.self, ScheduleCommand.self, WatchCommand.self])
}
