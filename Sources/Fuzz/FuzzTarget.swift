import Checkpoint
import Foundation
import MedIO
import Pipeline
import Raster

/// One reader of untrusted files, driven with one fuzz input.
///
/// Every reader must return or throw; a crash, a sanitizer report or a hang is a finding. Errors
/// about a file must name it, so an error whose message lacks the path also stops the run.
/// Limits are set lower than the defaults so that inputs declaring large images are refused
/// quickly instead of spending each iteration zeroing a gigabyte; the refusal paths are the same.
enum FuzzTarget: String, CaseIterable {
    case dicom, nifti, png, safetensors, pickle, torchzip, yaml

    /// The file name suffix readers expect (NIfTI picks gzip from the name, so that is set per input).
    var suffix: String {
        switch self {
        case .dicom: return ".dcm"
        case .nifti: return ".nii"
        case .png: return ".png"
        case .safetensors: return ".safetensors"
        case .pickle, .torchzip: return ".pt"
        case .yaml: return ".yaml"
        }
    }

    static let dicomLimits = DicomReadLimits(maxValuesPerObject: 1 << 22, maxVoxelsPerVolume: 1 << 22, maxDimension: 4096)
    static let niftiLimits = NiftiReader.Limits(maxVoxels: 1 << 22, maxFileBytes: 1 << 26, maxInflatedBytes: 1 << 26)
    static let pickleLimits = PickleLimits(maxPickleBytes: 1 << 22, maxMemoEntries: 100_000, maxStackDepth: 100_000,
                                           maxObjects: 1_000_000, maxNesting: 256)

    func run(_ bytes: [UInt8], scratch: ScratchFile) {
        switch self {
        case .dicom: dicom(scratch.write(bytes, suffix: suffix))
        case .nifti:
            let gzip = bytes.starts(with: [0x1F, 0x8B])
            nifti(scratch.write(bytes, suffix: gzip ? ".nii.gz" : ".nii"))
        case .png: png(scratch.write(bytes, suffix: suffix))
        case .safetensors:
            let path = scratch.write(bytes, suffix: suffix)
            expectNamed(path) {
                let file = try SafetensorsFile(path: path)
                for name in file.names { _ = try? file.tensor(name) }
            }
            checkpoint(path)
        case .torchzip: checkpoint(scratch.write(bytes, suffix: suffix))
        case .pickle:
            // The layout torch.save writes, around the fuzzed pickle: every storage key the
            // pickle may name ("0" … "3") exists, so tensor references get validated too.
            var entries: [(name: String, bytes: [UInt8])] = [("archive/data.pkl", bytes), ("archive/byteorder", Array("little".utf8))]
            for key in 0..<4 { entries.append(("archive/data/\(key)", [UInt8](repeating: UInt8(key), count: 64))) }
            checkpoint(scratch.write(StoredZip.archive(entries), suffix: suffix))
        case .yaml: yaml(scratch.write(bytes, suffix: suffix))
        }
    }

    private func dicom(_ path: String) {
        expectNamed(path) { _ = try DicomFrames.read(path: path, limits: Self.dicomLimits) }
        // The scan and series assembly read geometry and frames through the same bridge.
        guard let scan = try? DicomScan.scan(root: path, limits: Self.dicomLimits) else { return }
        _ = scan.loadAll(options: DicomSeriesOptions(limits: Self.dicomLimits))
    }

    private func nifti(_ path: String) {
        expectNamed(path) { _ = try NiftiReader(limits: Self.niftiLimits).read(path: path) }
    }

    private func png(_ path: String) {
        expectNamed(path) { _ = try PNGFile.read(path) }
        expectNamed(path) { _ = try PNGFile.readGray16(path) }
    }

    private func checkpoint(_ path: String) {
        expectNamed(path) {
            let checkpoint = try CheckpointArchive.open(path: path, limits: Self.pickleLimits)
            for entry in checkpoint.entries {
                if entry.dtype.isInteger {
                    _ = try? checkpoint.integers(entry.name)
                } else {
                    _ = try? checkpoint.tensor(entry.name)
                }
            }
        }
    }

    private func yaml(_ path: String) {
        let result = PipelineLoader.load(path: path)
        for diagnostic in result.diagnostics where !diagnostic.description.contains(path) {
            fail("pipeline diagnostic does not name the file: \(diagnostic)")
        }
    }

    /// Runs `body`; a thrown error is the expected outcome for most inputs but must name `path`.
    private func expectNamed(_ path: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            let text = String(describing: error)
            if !text.contains(path) { fail("error does not name \(path): \(text)") }
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("FUZZ FINDING (\(rawValue)): \(message)\n".utf8))
        abort()
    }
}
