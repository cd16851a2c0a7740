import Foundation

/// The Python peers `medvmad bench` measures itself against on the same cores, in the same
/// invocation: ONNX Runtime and PyTorch running the same ViT-L/14@336 work with random weights
/// (`scripts/peers/*.py`). Parses their one-line results, computes the ratios medvmad / peer
/// (below 1: medvmad is faster), and knows the anchors recorded when no peer can run.
struct PeerBenchmarks {
    /// One time a peer reported for a figure `medvmad bench` also measures.
    struct Figure: Equatable {
        /// "onnxruntime" or "torch".
        var peer: String
        var version: String
        /// The medvmad figure it matches, e.g. "vision_forward_b1_seconds_per_image".
        var key: String
        /// Seconds per image: the fastest repetition, as medvmad reports its own best.
        var seconds: Double
        /// The median repetition, where the peer prints one.
        var median: Double?
    }

    /// A peer script and how it is run.
    struct Script: Equatable {
        var file: String
        /// Python modules it imports (all must be present).
        var modules: [String]
        /// Extra arguments after the thread count.
        var arguments: [String]
    }

    enum Failure: Error, CustomStringConvertible {
        case notFound(path: String)
        case failed(script: String, status: Int32, tail: String)
        case noResult(script: String, output: String)

        var description: String {
            switch self {
            case let .notFound(path): return "\(path): no such peer script"
            case let .failed(script, status, tail): return "\(script): exited with status \(status): \(tail)"
            case let .noResult(script, output): return "\(script): printed no result line (output: \(output))"
            }
        }
    }

    /// The figure key of medvmad's per-image time of `kind` at batch `b` ("vision_forward", "medvmad_inference", "training_step").
    static func key(_ kind: String, batch b: Int) -> String { "\(kind)_b\(b)_seconds_per_image" }

    /// "vision_forward_b1_seconds_per_image" + "onnxruntime" → "vision_forward_b1_ratio_onnxruntime".
    static func ratioKey(_ figureKey: String, peer: String) -> String {
        figureKey.replacingOccurrences(of: "_seconds_per_image", with: "") + "_ratio_\(peer)"
    }

    /// "vision_forward_b1_seconds_per_image" + "onnxruntime" → "vision_forward_b1_onnxruntime_seconds_per_image".
    static func peerKey(_ figureKey: String, peer: String) -> String {
        figureKey.replacingOccurrences(of: "_seconds_per_image", with: "_\(peer)_seconds_per_image")
    }

    /// "vision_forward_b1_seconds_per_image" + "onnxruntime" → "vision_forward_b1_anchor_onnxruntime_seconds_per_image".
    static func anchorKey(_ figureKey: String, peer: String) -> String {
        figureKey.replacingOccurrences(of: "_seconds_per_image", with: "_anchor_\(peer)_seconds_per_image")
    }

    /// medvmad's time over the peer's: below 1, medvmad is faster. Nil when either is not a positive time.
    static func ratio(medvmad: Double, peer: Double) -> Double? {
        guard medvmad.isFinite, peer.isFinite, medvmad > 0, peer > 0 else { return nil }
        return medvmad / peer
    }

    /// Per-image times recorded on a 2-core AVX-512 machine of the project's kind (OpenBLAS with its
    /// AVX-512 kernels; ONNX Runtime 1.32 and PyTorch 2.13 CPU with the same scripts, 2 threads).
    /// Shown beside the figures when no peer runs: they come from another machine, so no ratio is taken.
    static let anchors: [String: [String: Double]] = [
        key("vision_forward", batch: 1): ["onnxruntime": 0.97, "torch": 2.66],
        key("vision_forward", batch: 8): ["onnxruntime": 1.07],
        key("medvmad_inference", batch: 8): ["torch": 2.08],
        key("training_step", batch: 8): ["torch": 4.40],
    ]

    static let anchorsNote = "recorded on a 2-core AVX-512 machine (OpenBLAS AVX-512 kernels), ONNX Runtime 1.32 and PyTorch 2.13 CPU, 2 threads; another machine than this run, so no ratio is taken"

    // One result line per script kind, as the scripts print them:
    //   onnxruntime 1.32.0 threads=2 batch=1 per-image median 0.970s min 0.951s
    //   torch 2.13.0+cpu threads=2 batch=1 per-image median 2.660s min 2.610s
    //   torch 2.13.0+cpu threads=2 batch=8: train step 35.20s (4.40s/image), inference forward 2.08s/image
    // Patterns are constants: `try!` cannot fail at run time. Computed, not stored: NSRegularExpression is not Sendable.
    static var perImageLine: NSRegularExpression { try! NSRegularExpression(
        pattern: #"^(onnxruntime|torch) (\S+) threads=\d+ batch=(\d+) per-image median ([0-9.eE+-]+)s min ([0-9.eE+-]+)s\s*$"#) }
    static var trainLine: NSRegularExpression { try! NSRegularExpression(
        pattern: #"^torch (\S+) threads=\d+ batch=(\d+): train step ([0-9.eE+-]+)s \(([0-9.eE+-]+)s/image\), inference forward ([0-9.eE+-]+)s/image\s*$"#) }

    /// The figures in one line of peer output (none for any other line: warnings, progress).
    static func parse(line: String) -> [Figure] {
        let ns = line as NSString
        let whole = NSRange(location: 0, length: ns.length)
        func group(_ m: NSTextCheckingResult, _ i: Int) -> String { ns.substring(with: m.range(at: i)) }
        if let m = perImageLine.firstMatch(in: line, range: whole) {
            guard let b = Int(group(m, 3)), let median = Double(group(m, 4)), let best = Double(group(m, 5)) else { return [] }
            return [Figure(peer: group(m, 1), version: group(m, 2), key: key("vision_forward", batch: b), seconds: best, median: median)]
        }
        if let m = trainLine.firstMatch(in: line, range: whole) {
            guard let b = Int(group(m, 2)), let perImage = Double(group(m, 4)), let inference = Double(group(m, 5)) else { return [] }
            let version = group(m, 1)
            return [Figure(peer: "torch", version: version, key: key("training_step", batch: b), seconds: perImage),
                    Figure(peer: "torch", version: version, key: key("medvmad_inference", batch: b), seconds: inference)]
        }
        return []
    }

    /// Every figure in a script's whole output.
    static func parse(output: String) -> [Figure] {
        output.split(whereSeparator: \.isNewline).flatMap { parse(line: String($0)) }
    }

    /// The scripts to run for vision batches `batches` (ONNX Runtime's script times batches 1 and 8 itself).
    static func scripts(directory: String, threads: Int, batches: [Int]) -> [Script] {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var list = [Script(file: path("ort_vitl_bench.py"), modules: ["torch", "transformers", "onnx", "onnxruntime", "numpy"], arguments: ["\(threads)"])]
        for b in batches {
            list.append(Script(file: path("torch_vitl_bench.py"), modules: ["torch", "transformers"], arguments: ["\(threads)", "\(b)"]))
        }
        list.append(Script(file: path("torch_medvmad_train_bench.py"), modules: ["torch", "transformers"], arguments: ["\(threads)", "8"]))
        return list
    }

    /// Where the peer scripts are: `explicit` if given, else `scripts/peers` under the current
    /// folder, else beside the repository the binary was built in (`.build/<config>/medvmad`).
    static func scriptDirectory(explicit: String?, executable: String = CommandLine.arguments[0]) -> String? {
        if let explicit { return explicit }
        let fm = FileManager.default
        var candidates = [(fm.currentDirectoryPath as NSString).appendingPathComponent("scripts/peers")]
        let exeDir = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for up in 2...3 {
            var u = exeDir
            for _ in 0..<up { u.deleteLastPathComponent() }
            candidates.append(u.appendingPathComponent("scripts/peers").path)
        }
        return candidates.first { fm.fileExists(atPath: ($0 as NSString).appendingPathComponent("ort_vitl_bench.py")) }
    }

    /// Which of `modules` `python` can import (looked up, not imported: importing torch takes seconds).
    static func availableModules(python: String, modules: [String]) -> Set<String> {
        let probe = "import importlib.util, sys\nfor m in sys.argv[1:]:\n    print(m if importlib.util.find_spec(m) else '')"
        guard let r = try? run(python: python, arguments: ["-c", probe] + modules), r.status == 0 else { return [] }
        return Set(r.stdout.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty })
    }

    /// Runs one script with `python` and returns the figures it printed.
    static func run(_ script: Script, python: String) throws -> [Figure] {
        guard FileManager.default.fileExists(atPath: script.file) else { throw Failure.notFound(path: script.file) }
        let r = try run(python: python, arguments: [script.file] + script.arguments)
        let name = (script.file as NSString).lastPathComponent + " " + script.arguments.joined(separator: " ")
        guard r.status == 0 else {
            throw Failure.failed(script: name, status: r.status, tail: String(r.stderr.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")))
        }
        let figures = parse(output: r.stdout)
        guard !figures.isEmpty else { throw Failure.noResult(script: name, output: String(r.stdout.suffix(300))) }
        return figures
    }

    /// Runs `python arguments…` (found on PATH when not a path) and collects its output. Standard
    /// error goes to a temporary file, so neither pipe can fill up and block the child.
    static func run(python: String, arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        let errPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("medvmad-peer-\(getpid())-\(UUID().uuidString.prefix(8)).err")
        guard FileManager.default.createFile(atPath: errPath, contents: nil), let errFile = FileHandle(forWritingAtPath: errPath) else {
            throw Failure.failed(script: python, status: -1, tail: "cannot create \(errPath)")
        }
        defer {
            try? errFile.close()
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
