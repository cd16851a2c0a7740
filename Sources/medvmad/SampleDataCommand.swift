import ArgumentParser
import Foundation
import Synthesis

/// `medvmad sample-data`: the project's own synthetic data sets.
struct SampleDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data", abstract: "Make synthetic sample data (BMAD-layout brain set, breast tomosynthesis volume).",
        subcommands: [BMAD.self, DBT.self])

    /// `medvmad sample-data bmad`: real normal brain slices with synthetic lesions, BMAD layout.
    struct BMAD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bmad", abstract: "BMAD-layout train/valid/test set from a real normal brain volume with SYNTHETIC lesions and exact masks.")

        @Option(help: "Skull-stripped normal brain volume (NIfTI), e.g. sample-data/brain-mri/ch2bet.nii.gz.") var volume: String
        @Option(help: "Output folder (absent or empty, or use --replace).") var output: String
        @Option(help: "Random seed.") var seed: UInt64 = 7
        @Option(help: "Training images (half with lesions).") var train: Int = 48
        @Option(help: "Validation images (half with lesions).") var valid: Int = 24
        @Option(help: "Test images (half with lesions).") var test: Int = 24
        @Option(help: "Side of the square images in pixels.") var size: Int = 240
        @Option(help: "Image colours: grey or bone (RGB, like BMAD's BraTS PNGs).") var colormap: String = "grey"
        @Flag(help: "Replace the splits, manifest and README in a non-empty output folder.") var replace = false

        func run() throws {
            guard let mode = BMADSynthesisOptions.ColorMode(rawValue: colormap) else {
                throw ValidationError("--colormap must be grey or bone, not \(colormap)")
            }
            let source = try BrainSliceSource(path: volume, options: .init(size: size))
            let options = BMADSynthesisOptions(seed: seed, train: train, valid: valid, test: test, colorMode: mode)
            let synthesizer = try BMADSynthesizer(source: source, options: options)
            var command = "medvmad sample-data bmad --volume \(volume) --output \(output) --seed \(seed) --train \(train) --valid \(valid) --test \(test) --size \(size)"
            if mode != .grey { command += " --colormap \(colormap)" }
            if replace { command += " --replace" }
            let samples = try synthesizer.write(to: output, replace: replace, command: command)
            print("\(source.slices.count) of \(source.totalSlices) axial slices usable; wrote \(samples.count) images to \(output)")
            for split in BMADSynthesizer.splits {
                let s = samples.filter { $0.split == split }
                print("  \(split): \(s.filter { $0.className == "good" }.count) normal, \(s.filter { $0.className != "good" }.count) with synthetic lesions")
            }
        }
    }

    /// `medvmad sample-data dbt`: a synthetic breast tomosynthesis DICOM with a mass mask.
    struct DBT: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dbt", abstract: "SYNTHETIC breast tomosynthesis volume (multi-frame DICOM) with one spiculated mass and its mask.")

        @Option(help: "Output folder.") var output: String
        @Option(help: "Random seed.") var seed: UInt64 = 7
        @Option(help: "Planes.") var frames: Int = 40
        @Option(help: "Rows per plane.") var rows: Int = 256
        @Option(help: "Columns per plane.") var columns: Int = 320

        func run() throws {
            let options = BreastPhantomOptions(seed: seed, rows: rows, columns: columns, frames: frames)
            let command = "medvmad sample-data dbt --output \(output) --seed \(seed) --frames \(frames) --rows \(rows) --columns \(columns)"
            let phantom = try BreastTomosynthesisSample.write(options: options, to: output, command: command)
            print("wrote \(output)/\(BreastTomosynthesisSample.dicomName): \(frames) planes of \(rows)×\(columns); mass of \(phantom.mask.filter { $0 != 0 }.count) voxels in \(output)/\(BreastTomosynthesisSample.maskName)")
        }
    }
}
