import ArgumentParser
import CLIP
import Foundation
import MedVMAD
import Tensor

/// `medvmad bench`: full-size ViT-L/14@336 timings with random weights (no download needed).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmark ViT-L/14@336 inference and training on this machine with random weights.")

    @Option(help: "Batch sizes for the vision forward.") var batches: [Int] = [1, 8]
    @Option(help: "Timed repetitions per figure (best is reported).") var repeats: Int = 2
    @Flag(help: "Also time one MedVMAD training step at batch 8.") var training = false
    @Option(help: "Architecture preset.") var preset: String = "ViT-L/14@336"
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard let p = CLIPConfig.Preset(name: preset) else { throw ValidationError("unknown preset \(preset)") }
        let config = p.config
        var figures: [String: Any] = ["openblas_core": BLAS.coreName, "blas_threads": BLAS.threads, "preset": p.rawValue]
        let t0 = Date()
        let weights = CLIPWeights.random(config: config, seed: 1)
        let clip = CLIPModel(weights: weights, config: config)
        figures["random_weights_seconds"] = Date().timeIntervalSince(t0)
        let s = config.vision.imageSize
        for b in batches {
            let pixels = Tensor(repeating: 0.1, shape: [b, 3, s, s])
            var best = Double.infinity
            for _ in 0..<max(1, repeats) {
                let t = Date()
                _ = try clip.vision.forward(pixels: pixels)
                best = min(best, Date().timeIntervalSince(t))
            }
            figures["vision_forward_b\(b)_seconds_per_image"] = best / Double(b)
            if !json { print(String(format: "vision forward, batch %d: %.3f s/image", b, best / Double(b))) }
        }
        let mconfig = MedVMADConfig.Profile.medvmad.config(clip: config)
        let ids = [[Int]](repeating: [49406] + [Int](repeating: 343, count: 12) + [5967, 4812, 269, 49407] + [Int](repeating: 0, count: 60), count: 2)
        let model = try MedVMADModel(config: mconfig, clipWeights: weights, clipConfig: config, promptIds: ids)
        model.params.initialise(seed: 111)
        let text = model.textFeatures()
        for b in [8] {
            let pixels = Tensor(repeating: 0.1, shape: [b, 3, s, s])
            let t = Date()
            _ = try model.forward(pixels: pixels, textFeatures: text)
            let per = Date().timeIntervalSince(t) / Double(b)
            figures["medvmad_inference_b\(b)_seconds_per_image"] = per
            if !json { print(String(format: "MedVMAD inference, batch %d: %.3f s/image", b, per)) }
        }
        if training {
            let b = 8
            let pixels = Tensor(repeating: 0.1, shape: [b, 3, s, s])
            var masks = Tensor(zeros: [b, s, s])
            for i in 0..<(s * 10) { masks.data[i] = 1 }
            let grads = model.params.zerosLike()
            let t = Date()
            _ = try model.lossAndGradients(pixels: pixels, masks: masks, labels: [1, 0, 1, 0, 1, 0, 1, 0], grads: grads)
            let per = Date().timeIntervalSince(t) / Double(b)
            figures["training_step_b8_seconds_per_image"] = per
            if !json { print(String(format: "MedVMAD training step, batch 8: %.3f s/image", per)) }
        }
        figures["peak_rss_mb"] = peakResidentMB()
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "peak resident memory: %.0f MB; OpenBLAS kernel: %@", peakResidentMB(), BLAS.coreName))
        }
    }
}

func peakResidentMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
