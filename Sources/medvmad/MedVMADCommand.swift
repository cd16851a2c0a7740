import ArgumentParser

@main
struct MedVMADCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medvmad",
        abstract: "Anomaly detection in medical images with a vision-language model.",
        version: medvmadVersion,
        subcommands: [
            TrainCommand.self,
            InferCommand.self,
            EvalCommand.self,
            ValidateCommand.self,
            RunCommand.self,
            StatusCommand.self,
            InspectCommand.self,
            ScheduleCommand.self,
            WatchCommand.self,
            ImportCommand.self,
            WeightsCommand.self,
            SampleDataCommand.self,
            BenchCommand.self,
            CalibrateCommand.self,
        ])
}
