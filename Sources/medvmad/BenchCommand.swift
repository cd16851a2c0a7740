import ArgumentParser
import CLIP
import Foundation
import MedVMAD
import Tensor

/// `medvmad bench`: full-size ViT-L/14@336 timings with random weights (no download needed), side by
/// side with ONNX Runtime and PyTorch running the same work when Python has them (`PeerBenchmarks`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark ViT-L/14@336 inference and training on this machine with random weights.",
        discussion: """
            When --python can import onnxruntime (with torch, transformers, onnx) or torch (with transformers), \
            the peer scripts in scripts/peers run right after, on the same cores and thread count, and every figure \
            gets the ratio medvmad / peer (JSON keys *_ratio_onnxruntime, *_ratio_torch; below 1 is faster). \
            Otherwise the recorded anchors are printed beside the figures (*_anchor_<peer>_seconds_per_image). \
            For OpenBLAS's AVX-512 kernels where the environment forces AVX2 ones: \
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/release/medvmad bench --json
            """)

    @Option(help: "Batch sizes for the vision forward.") var batches: [Int] = [1, 8]
    @Option(help: "Timed repetitions per figure after one warm-up run (best is reported).") var repeats: Int = 2
    @Flag(help: "Also time MedVMAD training steps at batch 8 (one warm-up step, then the best of --repeats).") var training = false
    @Option(help: "Architecture preset.") var preset: String = "ViT-L/14@336"
    @Flag(inversion: .prefixedNo, help: "Time loading the weights from a safetensors folder and a whole model folder (writes them to --scratch-folder first).")
    var startup = true
    @Flag(help: "Also run a pipeline file's inputs and settings with the full-size random model and report the share of wall time outside the model (the demo pipeline: about 10 minutes on 2 cores).")
    var pipeline = false
    @Option(help: "The pipeline file for --pipeline.") var pipelineFile: String = "pipelines/demo.yaml"
    @Option(help: "Folder for the scratch model (default: the temporary folder); needs about 2 GB free for ViT-L.") var scratchFolder: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Python for the peer benchmarks (default: $MEDVMAD_BENCH_PYTHON, else python3 on PATH).") var python: String?
    @Flag(help: "Do not run the Python peers; print the recorded anchors beside the figures.") var skipPeers = false
    @Option(help: "Folder of the peer scripts (default: scripts/peers of this repository).") var peerScripts: String?

    func run() throws {
        guard let p = CLIPConfig.Preset(name: preset) else { throw ValidationError("unknown preset \(preset)") }
        let config = p.config
        var figures: [String: Any] = ["openblas_core": BLAS.coreName, "blas_threads": BLAS.threads, "preset": p.rawValue,
                                      "openblas_idle_spin_exponent": BLAS.idleSpinExponent ?? -1,
                                      "allocator_heap_block_limit_mb": Double(Allocator.heapBlockLimitBytes ?? 0) / 1_048_576,
                                      "protocol": "one warm-up run, then the best of \(max(1, repeats)) (the peers' protocol)"]
        // Per-image figures in the order measured, with their labels, for the side-by-side lines.
        var timed: [(key: String, label: String)] = []
        var peak = 0.0
        /// Times `body` after one warm-up call (first-touch page faults, thread start-up), best of
        /// `repeats`; records the figure's own peak resident memory beside it.
        func measure(_ key: String, label: String, images: Int, _ body: () throws -> Void) rethrows {
            Memory.resetPeak()
            try body()
            var best = Double.infinity
            for _ in 0..<max(1, repeats) {
                let t = Date()
                try body()
                best = min(best, Date().timeIntervalSince(t))
            }
            let mb = Memory.peakResidentMB()
            peak = max(peak, mb)
            figures[key] = best / Double(images)
            figures[key.replacingOccurrences(of: "_seconds_per_image", with: "_peak_rss_mb")] = mb
            timed.append((key, label))
            if !json { print(String(format: "%@: %.3f s/image (peak %.0f MB)", label, best / Double(images), mb)) }
        }
        let t0 = Date()
        let weights = CLIPWeights.random(config: config, seed: 1)
        figures["random_weights_seconds"] = Date().timeIntervalSince(t0)
        let s = config.vision.imageSize
        do {
            let clip = CLIPModel(weights: weights, config: config)
            for b in batches {
                let pixels = Tensor(repeating: 0.1, shape: [b, 3, s, s])
                try measure(PeerBenchmarks.key("vision_forward", batch: b), label: "vision forward, batch \(b)", images: b) {
                    _ = try clip.vision.forward(pixels: pixels)
                }
            }
        }
        do {
            let mconfig = MedVMADConfig.Profile.medvmad.config(clip: config)
            let ids = [[Int]](repeating: [49406] + [Int](repeating: 343, count: 12) + [5967, 4812, 269, 49407] + [Int](repeating: 0, count: 60), count: 2)
            let model = try MedVMADModel(config: mconfig, clipWeights: weights, clipConfig: config, promptIds: ids)
            model.params.initialise(seed: 111)
            let text = model.textFeatures()
            let b = 8
            let pixels = Tensor(repeating: 0.1, shape: [b, 3, s, s])
            try measure(PeerBenchmarks.key("medvmad_inference", batch: b), label: "MedVMAD inference, batch \(b)", images: b) {
                _ = try model.forward(pixels: pixels, textFeatures: text)
            }
            if training {
                var masks = Tensor(zeros: [b, s, s])
                for i in 0..<(s * 10) { masks.data[i] = 1 }
                let labels: [Float] = [1, 0, 1, 0, 1, 0, 1, 0]
                // A training run's steady state, as the PyTorch peer measures it: the warm-up step
                // allocates the activation buffers later steps reuse.
                try measure(PeerBenchmarks.key("training_step", batch: b), label: "MedVMAD training step, batch \(b)", images: b) {
                    _ = try model.lossAndGradients(pixels: pixels, masks: masks, labels: labels, grads: model.params.zerosLike())
                }
            }
        }
        if startup || pipeline {
            let scratch = try ScratchModel.write(weights: weights, config: config, under: scratchFolder)
            defer { scratch.remove() }
            if startup { try startupFigures(scratch, into: &figures) }
            if pipeline {
                try pipelineFigures(scratch, into: &figures)
                peak = max(peak, figures["pipeline_peak_rss_mb"] as? Double ?? 0)
            }
        }
        // Before the peers run: they are child processes, but the figure is medvmad's own.
        figures["peak_rss_mb"] = peak
        if !json { print(String(format: "peak resident memory of any figure: %.0f MB; OpenBLAS kernel: %@", peak, BLAS.coreName)) }
        let peers = runPeers(preset: p, threads: BLAS.threads)
        // The anchors are ViT-L/14@336 times: beside another preset's figures they would mislead.
        let lines = Self.sideBySide(figures: &figures, timed: timed, peers: peers, showAnchors: p == .vitL14At336)
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\nside by side (ratio = medvmad / peer; below 1, medvmad is faster):")
            lines.forEach { print($0) }
        }
    }

    /// What the peer run gave: figures measured, and per peer what happened.
    struct PeerRun {
        var figures: [PeerBenchmarks.Figure] = []
        /// "onnxruntime"/"torch" → "ran …" or "not run: …".
        var status: [String: String] = [:]
        var python: String?
    }

    /// Runs every peer script whose modules `--python` has; one that fails is reported, not fatal.
    func runPeers(preset: CLIPConfig.Preset, threads: Int) -> PeerRun {
        var run = PeerRun()
        func all(_ why: String) -> PeerRun {
            run.status = ["onnxruntime": why, "torch": why]
            return run
        }
        if skipPeers { return all("not run (--skip-peers)") }
        guard preset == .vitL14At336 else { return all("not run: the peer scripts time ViT-L/14@336 only") }
        guard let dir = PeerBenchmarks.scriptDirectory(explicit: peerScripts) else {
            return all("not run: peer scripts not found (scripts/peers; give --peer-scripts)")
        }
        let python = self.python ?? ProcessInfo.processInfo.environment["MEDVMAD_BENCH_PYTHON"] ?? "python3"
        run.python = python
        let scripts = PeerBenchmarks.scripts(directory: dir, threads: threads, batches: batches)
        let available = PeerBenchmarks.availableModules(python: python, modules: Array(Set(scripts.flatMap(\.modules))).sorted())
        for script in scripts {
            let name = (script.file as NSString).lastPathComponent
            let peer = name.hasPrefix("ort_") ? "onnxruntime" : "torch"
            let missing = script.modules.filter { !available.contains($0) }
            guard missing.isEmpty else {
                if run.status[peer] == nil { run.status[peer] = "not run: \(python) cannot import \(missing.joined(separator: ", "))" }
                continue
            }
            let args = script.arguments.joined(separator: " ")
            FileHandle.standardError.write(Data("peer: \(python) \(name) \(args)\n".utf8))
            let start = Date()
            do {
                let got = try PeerBenchmarks.run(script, python: python)
                run.figures += got
                let version = got.first.map { "\(peer) \($0.version)" } ?? peer
                let done = "ran \(name) \(args) (\(version), \(String(format: "%.0f", Date().timeIntervalSince(start))) s)"
                run.status[peer] = run.status[peer].map { $0 + "; " + done } ?? done
            } catch {
                FileHandle.standardError.write(Data("peer failed: \(error)\n".utf8))
                run.status[peer] = (run.status[peer].map { $0 + "; " } ?? "") + "failed: \(error)"
            }
        }
        return run
    }

    /// Adds peer times, ratios and (for figures no peer measured, with `showAnchors`) the recorded
    /// anchors to `figures`; returns the side-by-side lines for the text output.
    static func sideBySide(figures: inout [String: Any], timed: [(key: String, label: String)], peers: PeerRun, showAnchors: Bool = true) -> [String] {
        var lines: [String] = []
        var anchorsShown = false
        for (key, label) in timed {
            guard let ours = figures[key] as? Double else { continue }
            var cells = [String(format: "medvmad %.3f s/image", ours)]
            for peer in ["onnxruntime", "torch"] {
                if let f = peers.figures.last(where: { $0.key == key && $0.peer == peer }) {
                    figures[PeerBenchmarks.peerKey(key, peer: peer)] = f.seconds
                    if let r = PeerBenchmarks.ratio(medvmad: ours, peer: f.seconds) {
                        figures[PeerBenchmarks.ratioKey(key, peer: peer)] = r
                        cells.append(String(format: "%@ %@ %.3f s/image, ratio %.2f", peer, f.version, f.seconds, r))
                    }
                } else if showAnchors, let a = PeerBenchmarks.anchors[key]?[peer] {
                    figures[PeerBenchmarks.anchorKey(key, peer: peer)] = a
                    anchorsShown = true
                    cells.append(String(format: "%@ anchor %.2f s/image", peer, a))
                }
            }
            lines.append("\(label): " + cells.joined(separator: " | "))
        }
        // Peer figures medvmad did not time this run (e.g. the training step without --training).
        for f in peers.figures where figures[f.key] == nil {
            figures[PeerBenchmarks.peerKey(f.key, peer: f.peer)] = f.seconds
        }
        if !peers.status.isEmpty { figures["peers"] = peers.status }
        if let p = peers.python { figures["peer_python"] = p }
        for (peer, status) in peers.status.sorted(by: { $0.key < $1.key }) { lines.append("\(peer): \(status)") }
        if anchorsShown {
            figures["anchors_note"] = PeerBenchmarks.anchorsNote
            lines.append("anchors: \(PeerBenchmarks.anchorsNote)")
        }
        return lines
    }
}
