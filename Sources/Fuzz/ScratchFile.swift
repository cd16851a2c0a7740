import Foundation

/// A per-process file the fuzz input is written to, for readers that only take a path.
///
/// It lives in MEDVMAD_FUZZ_TMP (the fuzz script points it at its work folder) or the system
/// temporary folder, and is named after the process so parallel fuzz jobs never share one.
struct ScratchFile {
    let folder: String
    let stem: String

    init(extensionFor target: FuzzTarget) {
        let base = ProcessInfo.processInfo.environment["MEDVMAD_FUZZ_TMP"] ?? NSTemporaryDirectory()
        folder = (base as NSString).appendingPathComponent("medvmad-fuzz-\(target.rawValue)-\(getpid())")
        stem = (folder as NSString).appendingPathComponent("input")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `input<suffix>` in the folder and returns its path.
    func write(_ bytes: [UInt8], suffix: String) -> String {
        let path = stem + suffix
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            FileHandle.standardError.write(Data("cannot write the fuzz input to \(path)\n".utf8))
            abort()
        }
        return path
    }
}
