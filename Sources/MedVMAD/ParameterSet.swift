import CLIP
import Tensor

/// The trainable tensors of a model (adapters and prompts), laid out once from the config.
///
/// The same layout serves parameters, gradients and optimiser moments. Names are those of
/// `learned.safetensors`: `adapters.{seg,det}.k.fc{1,2}.weight`, `prompt.ctx_{normal,abnormal}`,
/// `prompt.deep.j`.
public final class ParameterSet: @unchecked Sendable {
    // @unchecked: owned by one model or trainer at a time, mutated only through that owner.
    public let names: [String]
    public let shapes: [String: [Int]]
    private let buffers: [String: FloatBuffer]

    /// Zero-filled tensors in the layout `config` implies on `clip`.
    public init(config: MedVMADConfig, clip: CLIPConfig) {
        var list: [(String, [Int])] = []
        let c = clip.vision.width, ct = clip.text.width
        if let a = config.adapters {
            for head in ["seg", "det"] {
                for k in config.featureLayers.indices {
                    list.append(("adapters.\(head).\(k).fc1.weight", [a.bottleneck, c]))
                    list.append(("adapters.\(head).\(k).fc2.weight", [c, a.bottleneck]))
                }
            }
        }
        if config.prompt.contextLength > 0 {
            list.append(("prompt.ctx_normal", [config.prompt.contextLength, ct]))
            list.append(("prompt.ctx_abnormal", [config.prompt.contextLength, ct]))
        }
        if config.prompt.deepTokens > 0 {
            for j in 0..<max(0, config.prompt.depth - 1) { list.append(("prompt.deep.\(j)", [config.prompt.deepTokens, ct])) }
        }
        names = list.map(\.0)
        shapes = Dictionary(uniqueKeysWithValues: list)
        buffers = Dictionary(uniqueKeysWithValues: list.map { ($0.0, FloatBuffer(count: $0.1.reduce(1, *))) })
    }

    private init(names: [String], shapes: [String: [Int]]) {
        self.names = names
        self.shapes = shapes
        buffers = Dictionary(uniqueKeysWithValues: names.map { ($0, FloatBuffer(count: shapes[$0]!.reduce(1, *))) })
    }

    /// A zero-filled set with the same layout.
    public func zerosLike() -> ParameterSet { ParameterSet(names: names, shapes: shapes) }

    /// A copy.
    public func copy() -> ParameterSet {
        let out = zerosLike()
        for n in names { out[n].pointer.update(from: self[n].pointer, count: self[n].count) }
        return out
    }

    /// The buffer for `name` (which must be in the layout).
    public subscript(_ name: String) -> FloatBuffer {
        guard let b = buffers[name] else { preconditionFailure("no parameter '\(name)' in this layout") }
        return b
    }

    /// Whether `name` is part of the layout.
    public func contains(_ name: String) -> Bool { buffers[name] != nil }

    /// Sets every value to zero.
    public func zero() { for b in buffers.values { b.zero() } }

    /// Total number of values.
    public var count: Int { buffers.values.reduce(0) { $0 + $1.count } }

    /// Copies values in from tensors, checking names and shapes strictly.
    public func load(_ tensors: [String: Tensor], path: String) throws {
        for n in names {
            guard let t = tensors[n] else { throw MedVMADError.invalidModel(path: path, reason: "missing tensor '\(n)'") }
            guard t.shape == shapes[n]! else {
                throw MedVMADError.invalidModel(path: path, reason: "tensor '\(n)' has shape \(t.shape), the config expects \(shapes[n]!)")
            }
            t.withPointer { self[n].pointer.update(from: $0, count: t.count) }
        }
        let extra = Set(tensors.keys).subtracting(names)
        if !extra.isEmpty { throw MedVMADError.invalidModel(path: path, reason: "unexpected tensor(s) \(extra.sorted().prefix(5))") }
    }

    /// The values as named tensors, in layout order.
    public func tensors() -> [(name: String, tensor: Tensor)] { names.map { ($0, self[$0].tensor(shapes[$0]!)) } }

    /// Initialises like the reference code: adapters U(−1/√fan_in, 1/√fan_in) (PyTorch's default
    /// `Linear` init), prompts N(0, 0.02²). Deterministic for a seed.
    public func initialise(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for n in names {
            let b = self[n], shape = shapes[n]!
            if n.hasPrefix("adapters.") {
                let bound = 1 / Float(shape[1]).squareRoot()
                for i in 0..<b.count { b.pointer[i] = (rng.nextUnit() * 2 - 1) * bound }
            } else {
                for i in 0..<b.count { b.pointer[i] = 0.02 * rng.nextGaussian() }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) for initialisation and shuffling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

import Foundation
