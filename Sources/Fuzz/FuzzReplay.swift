#if !MEDVMAD_FUZZ
import Foundation

/// Without libFuzzer (a normal build), the tool replays inputs: each argument is a file, run once
/// through the reader MEDVMAD_FUZZ_TARGET names. scripts/fuzz.sh builds with MEDVMAD_FUZZ set, and
/// libFuzzer then supplies `main`.
@main
enum FuzzReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(2)
            }
            _ = data.withUnsafeBytes { raw in
                fuzzOneInput(raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            print("ok \(path)")
        }
    }
}
#endif
