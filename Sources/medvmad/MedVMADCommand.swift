import ArgumentParser
import Tensor

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

    static func main() {
        // Before any product runs: OpenBLAS's idle threads would otherwise poll for ~0.1 s after
        // every product, taking cycles from the project's own parallel loops (BLAS.limitIdleSpinning).
        BLAS.limitIdleSpinning()
        // Buffers of up to 32 MB reuse freed heap memory instead of being mapped (page faults and
        // zero-fill) each time they are made (Allocator.reuseFreedBlocks).
        Allocator.reuseFreedBlocks()
        main(nil)
    }
}
