import Foundation

#if MEDVMAD_FUZZ
/// libFuzzer's driver, entered explicitly: SwiftPM names every executable's entry point after its
/// module and aliases `main` to it, so libFuzzer's own `main` cannot be used.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
#endif

/// Built by scripts/fuzz.sh (MEDVMAD_FUZZ set, `-sanitize=fuzzer`), the tool is a libFuzzer
/// binary taking libFuzzer's arguments. In a normal build it replays inputs instead: each
/// argument is a file, run once through the reader MEDVMAD_FUZZ_TARGET names.
@main
enum FuzzMain {
    static func main() {
        #if MEDVMAD_FUZZ
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
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
        #endif
    }
}
