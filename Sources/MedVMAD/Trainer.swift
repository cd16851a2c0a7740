import CLIP
import Checkpoint
import Foundation
import Raster
import Tensor

/// Trains a model's prompts and adapters on a BMAD split, with a checkpoint after every epoch.
///
/// Deterministic for a seed: the order of epoch e is a shuffle seeded by (seed, e), so a resumed run
/// continues exactly where an uninterrupted one would be. Checkpoints are written under a temporary
/// name and renamed, and the previous one is removed only after the new one is in place.
public final class Trainer {
    public struct EpochRecord: Codable, Sendable, Equatable {
        public var epoch: Int
        public var imageLoss: Float
        public var segmentationLoss: Float
        public var totalLoss: Float
        public var seconds: Double
    }

    /// Progress events for the command line.
    public enum Event {
        case batch(epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Float, elapsed: Double)
        case epochDone(EpochRecord)
        case resumed(fromEpoch: Int)
    }

    struct State: Codable {
        var epochsCompleted: Int
        var adamStep: Int
        var checkpoint: String
        var history: [EpochRecord]
        var seed: UInt64
        var dataset: String
    }

    public let model: MedVMADModel
    public let dataset: BMADDataset
    public let outputDirectory: String
    public let preprocessor: CLIPImagePreprocessor
    public var manifest: ModelManifest
    public private(set) var history: [EpochRecord] = []

    public init(model: MedVMADModel, dataset: BMADDataset, outputDirectory: String, manifest: ModelManifest) {
        self.model = model
        self.dataset = dataset
        self.outputDirectory = outputDirectory
        self.manifest = manifest
        preprocessor = model.config.preprocessor
    }

    var statePath: String { (outputDirectory as NSString).appendingPathComponent("training-state.json") }
    var checkpointDirectory: String { (outputDirectory as NSString).appendingPathComponent("checkpoints") }

    /// The batches of epoch `e` (0-based): a seeded shuffle of every item.
    public func batches(epoch e: Int) -> [[Int]] {
        var rng = SplitMix64(seed: model.config.training.seed &* 1_000_003 &+ UInt64(e))
        var order = Array(dataset.items.indices)
        order.shuffle(using: &rng)
        let b = model.config.training.batchSize
        return stride(from: 0, to: order.count, by: b).map { Array(order[$0..<min($0 + b, order.count)]) }
    }

    /// Runs the remaining epochs. With `resume`, continues from `training-state.json` when present.
    public func run(resume: Bool, events: (Event) -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: checkpointDirectory, withIntermediateDirectories: true)
        let t = model.config.training
        let adam = Adam(like: model.params, learningRate: t.learningRate, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon)
        var startEpoch = 0
        if resume, fm.fileExists(atPath: statePath) {
            let state = try loadState()
            try restore(state: state, adam: adam)
            startEpoch = state.epochsCompleted
            history = state.history
            events(.resumed(fromEpoch: startEpoch))
        } else if !resume, fm.fileExists(atPath: statePath) {
            throw MedVMADError.invalidData(path: statePath, reason: "a training run already exists in this folder; pass --resume to continue it or choose another output folder")
        } else {
            model.params.initialise(seed: t.seed)
        }
        for epoch in startEpoch..<t.epochs {
            let start = Date()
            var imageSum: Double = 0, segSum: Double = 0
            let batches = batches(epoch: epoch)
            for (bi, batch) in batches.enumerated() {
                var pixels: [Tensor] = [], masks: [Tensor] = [], labels: [Float] = []
                for i in batch {
                    let item = dataset.items[i]
                    let (p, m) = try BMADDataset.sample(item, preprocessor: preprocessor)
                    pixels.append(p)
                    masks.append(m)
                    labels.append(Float(item.label))
                }
                let grads = model.params.zerosLike()
                let losses = try model.lossAndGradients(pixels: Tensor.stack(pixels), masks: Tensor.stack(masks), labels: labels, grads: grads)
                guard losses.total.isFinite else {
                    throw MedVMADError.invalidData(path: dataset.items[batch[0]].imagePath, reason: "loss became \(losses.total) in epoch \(epoch + 1); the last good checkpoint is kept")
                }
                adam.update(model.params, grads: grads)
                imageSum += Double(losses.image) * Double(batch.count)
                segSum += Double(losses.segmentation) * Double(batch.count)
                events(.batch(epoch: epoch + 1, epochs: t.epochs, batch: bi + 1, batches: batches.count, loss: losses.total, elapsed: Date().timeIntervalSince(start)))
            }
            let n = Double(dataset.items.count)
            let record = EpochRecord(epoch: epoch + 1, imageLoss: Float(imageSum / n), segmentationLoss: Float(segSum / n),
                                     totalLoss: Float((imageSum + segSum) / n), seconds: Date().timeIntervalSince(start))
            history.append(record)
            try checkpoint(epoch: epoch + 1, adam: adam)
            events(.epochDone(record))
        }
        // The activation buffers kept between steps are not needed once training ends.
        model.trainingWorkspaces.release()
    }

    func checkpoint(epoch: Int, adam: Adam) throws {
        let name = "epoch_\(epoch).safetensors"
        let path = (checkpointDirectory as NSString).appendingPathComponent(name)
        var tensors = model.params.tensors()
        tensors += adam.m.tensors().map { ("adam.m.\($0.name)", $0.tensor) }
        tensors += adam.v.tensors().map { ("adam.v.\($0.name)", $0.tensor) }
        try SafetensorsWriter.write(tensors, metadata: ["epoch": "\(epoch)", "adam_step": "\(adam.step)"], to: path)
        let previous = try? loadState()
        let state = State(epochsCompleted: epoch, adamStep: adam.step, checkpoint: name, history: history,
                          seed: model.config.training.seed, dataset: dataset.root)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(state), to: statePath)
        if let old = previous?.checkpoint, old != name {
            try? FileManager.default.removeItem(atPath: (checkpointDirectory as NSString).appendingPathComponent(old))
        }
        manifest.provenance.epochsCompleted = epoch
        try model.save(modelDirectory: outputDirectory, manifest: manifest)
        try writeLossCSV()
    }

    func loadState() throws -> State {
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw MedVMADError.invalidData(path: statePath, reason: "cannot read the training state")
        }
        do { return try JSONDecoder().decode(State.self, from: data) } catch {
            throw MedVMADError.invalidData(path: statePath, reason: "corrupt training state: \(error)")
        }
    }

    func restore(state: State, adam: Adam) throws {
        let path = (checkpointDirectory as NSString).appendingPathComponent(state.checkpoint)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch {
            throw MedVMADError.invalidData(path: path, reason: "cannot resume: \(error)")
        }
        var p: [String: Tensor] = [:], m: [String: Tensor] = [:], v: [String: Tensor] = [:]
        for n in file.names {
            if n.hasPrefix("adam.m.") { m[String(n.dropFirst(7))] = try file.tensor(n) }
            else if n.hasPrefix("adam.v.") { v[String(n.dropFirst(7))] = try file.tensor(n) }
            else { p[n] = try file.tensor(n) }
        }
        try model.params.load(p, path: path)
        try adam.m.load(m, path: path)
        try adam.v.load(v, path: path)
        adam.restore(step: state.adamStep)
    }

    /// `losses.csv`: one row per epoch (the paper's Figs. 8 and 9 plot these).
    func writeLossCSV() throws {
        var csv = "epoch,image_loss,segmentation_loss,total_loss,seconds\n"
        for r in history { csv += "\(r.epoch),\(r.imageLoss),\(r.segmentationLoss),\(r.totalLoss),\(String(format: "%.1f", r.seconds))\n" }
        try AtomicFile.write(Data(csv.utf8), to: (outputDirectory as NSString).appendingPathComponent("losses.csv"))
        try writeLossPlots()
    }

    /// `loss-image.png` and `loss-segmentation.png`: per-epoch losses as the paper's Figs. 8 and 9 draw them.
    func writeLossPlots() throws {
        let epochs = history.map { Double($0.epoch) }
        for (file, title, values) in [("loss-image.png", "Image loss (sum of levels)", history.map { Double($0.imageLoss) }),
                                      ("loss-segmentation.png", "Segmentation loss (sum of levels)", history.map { Double($0.segmentationLoss) })] {
            let plot = LinePlot.trainingLoss(title: title, series: [LinePlot.Series(name: "train", x: epochs, y: values)])
            let image = try plot.render(width: 640, height: 400)
            let path = (outputDirectory as NSString).appendingPathComponent(file)
            try PNGFile.write(image, to: path + ".partial")
            guard rename(path + ".partial", path) == 0 else { throw MedVMADError.ioFailure(path: path, reason: String(cString: strerror(errno))) }
        }
    }
}
