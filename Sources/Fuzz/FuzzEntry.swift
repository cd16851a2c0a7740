import Foundation

// libFuzzer entry point. The executable is built with `-sanitize=fuzzer` and its main (FuzzMain)
// runs libFuzzer's driver; the reader under test is chosen by MEDVMAD_FUZZ_TARGET because
// one binary for every reader keeps the sanitizer build to a single link.

/// The reader this process exercises, read once from the environment.
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MEDVMAD_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set MEDVMAD_FUZZ_TARGET to one of: \(known)\n".utf8))
        abort()
    }
    return target
}()

/// The scratch file every input is written to (one per process, so parallel jobs do not collide).
private let scratch = ScratchFile(extensionFor: selectedTarget)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 && data != nil ? [UInt8](UnsafeBufferPointer(start: data, count: size)) : []
    selectedTarget.run(bytes, scratch: scratch)
    return 0
}
