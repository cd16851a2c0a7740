import Tensor

extension CLIPWeights {
    /// Loads every CLIP tensor from `source` under either naming scheme, strictly: a missing,
    /// unexpected or mis-shaped tensor is an error that names it. Shapes come from `config`.
    public static func load(from source: TensorProvider, config: CLIPConfig) throws -> CLIPWeights {
        var reader = StrictReader(source: source)
        guard let layout = WeightLayout.detect(Set(source.tensorNames)) else {
            throw CLIPError.unknownLayout(path: source.sourcePath,
                                          reason: "neither 'vision_model.embeddings.patch_embedding.weight' nor 'visual.conv1.weight' is present")
        }
        let v = config.vision, t = config.text, e = config.projectionDim
        let g = v.gridSize
        let weights: CLIPWeights
        switch layout {
        case .huggingFace:
            typealias N = WeightLayout.HF
            func block(_ tower: String, _ i: Int, c: Int, m: Int) throws -> TransformerBlockWeights {
                let p = N.block(tower, i)
                let q = try reader.take("\(p).\(N.q).weight", [c, c]), k = try reader.take("\(p).\(N.k).weight", [c, c])
                let vv = try reader.take("\(p).\(N.v).weight", [c, c])
                let qb = try reader.take("\(p).\(N.q).bias", [c]), kb = try reader.take("\(p).\(N.k).bias", [c])
                let vb = try reader.take("\(p).\(N.v).bias", [c])
                return TransformerBlockWeights(
                    ln1Weight: try reader.take("\(p).\(N.ln1).weight", [c]), ln1Bias: try reader.take("\(p).\(N.ln1).bias", [c]),
                    ln2Weight: try reader.take("\(p).\(N.ln2).weight", [c]), ln2Bias: try reader.take("\(p).\(N.ln2).bias", [c]),
                    qkvWeight: Tensor(shape: [3 * c, c], data: q.data + k.data + vv.data),
                    qkvBias: Tensor(shape: [3 * c], data: qb.data + kb.data + vb.data),
                    outWeight: try reader.take("\(p).\(N.out).weight", [c, c]), outBias: try reader.take("\(p).\(N.out).bias", [c]),
                    fc1Weight: try reader.take("\(p).\(N.fc1).weight", [m, c]), fc1Bias: try reader.take("\(p).\(N.fc1).bias", [m]),
                    fc2Weight: try reader.take("\(p).\(N.fc2).weight", [c, m]), fc2Bias: try reader.take("\(p).\(N.fc2).bias", [c]))
            }
            let vision = VisionWeights(
                patchEmbedding: try reader.take(N.patch, [v.width, v.channels, v.patchSize, v.patchSize]),
                classEmbedding: try reader.take(N.classEmbedding, [v.width]),
                positionEmbedding: try reader.take(N.visionPosition, [1 + g * g, v.width]),
                preNormWeight: try reader.take("\(N.preNorm).weight", [v.width]), preNormBias: try reader.take("\(N.preNorm).bias", [v.width]),
                blocks: try (0..<v.layers).map { try block("vision_model", $0, c: v.width, m: v.mlpWidth) },
                postNormWeight: try reader.take("\(N.postNorm).weight", [v.width]), postNormBias: try reader.take("\(N.postNorm).bias", [v.width]),
                projection: try reader.take(N.visualProjection, [e, v.width]))
            let text = TextWeights(
                tokenEmbedding: try reader.take(N.token, [t.vocabSize, t.width]),
                positionEmbedding: try reader.take(N.textPosition, [t.contextLength, t.width]),
                blocks: try (0..<t.layers).map { try block("text_model", $0, c: t.width, m: t.mlpWidth) },
                finalNormWeight: try reader.take("\(N.finalNorm).weight", [t.width]), finalNormBias: try reader.take("\(N.finalNorm).bias", [t.width]),
                projection: try reader.take(N.textProjection, [e, t.width]))
            weights = CLIPWeights(vision: vision, text: text, logitScale: try reader.optionalScalar("logit_scale"))
        case .openAI:
            typealias N = WeightLayout.OpenAI
            func block(_ prefix: String, _ i: Int, c: Int, m: Int) throws -> TransformerBlockWeights {
                let p = N.block(prefix, i)
                return TransformerBlockWeights(
                    ln1Weight: try reader.take("\(p).\(N.ln1).weight", [c]), ln1Bias: try reader.take("\(p).\(N.ln1).bias", [c]),
                    ln2Weight: try reader.take("\(p).\(N.ln2).weight", [c]), ln2Bias: try reader.take("\(p).\(N.ln2).bias", [c]),
                    qkvWeight: try reader.take("\(p).\(N.inProjWeight)", [3 * c, c]), qkvBias: try reader.take("\(p).\(N.inProjBias)", [3 * c]),
                    outWeight: try reader.take("\(p).\(N.out).weight", [c, c]), outBias: try reader.take("\(p).\(N.out).bias", [c]),
                    fc1Weight: try reader.take("\(p).\(N.fc1).weight", [m, c]), fc1Bias: try reader.take("\(p).\(N.fc1).bias", [m]),
                    fc2Weight: try reader.take("\(p).\(N.fc2).weight", [c, m]), fc2Bias: try reader.take("\(p).\(N.fc2).bias", [c]))
            }
            let vision = VisionWeights(
                patchEmbedding: try reader.take(N.patch, [v.width, v.channels, v.patchSize, v.patchSize]),
                classEmbedding: try reader.take(N.classEmbedding, [v.width]),
                positionEmbedding: try reader.take(N.visionPosition, [1 + g * g, v.width]),
                preNormWeight: try reader.take("\(N.preNorm).weight", [v.width]), preNormBias: try reader.take("\(N.preNorm).bias", [v.width]),
                blocks: try (0..<v.layers).map { try block("visual.", $0, c: v.width, m: v.mlpWidth) },
                postNormWeight: try reader.take("\(N.postNorm).weight", [v.width]), postNormBias: try reader.take("\(N.postNorm).bias", [v.width]),
                projection: try reader.take(N.visualProjection, [v.width, e]).transposed())
            let text = TextWeights(
                tokenEmbedding: try reader.take(N.token, [t.vocabSize, t.width]),
                positionEmbedding: try reader.take(N.textPosition, [t.contextLength, t.width]),
                blocks: try (0..<t.layers).map { try block("", $0, c: t.width, m: t.mlpWidth) },
                finalNormWeight: try reader.take("\(N.finalNorm).weight", [t.width]), finalNormBias: try reader.take("\(N.finalNorm).bias", [t.width]),
                projection: try reader.take(N.textProjection, [t.width, e]).transposed())
            weights = CLIPWeights(vision: vision, text: text, logitScale: try reader.optionalScalar("logit_scale"))
        }
        try reader.finish()
        return weights
    }

    /// The layout `source` uses, or nil when it is not a CLIP checkpoint.
    public static func layout(of source: TensorProvider) -> WeightLayout? {
        WeightLayout.detect(Set(source.tensorNames))
    }

    /// The weights under Hugging Face names (the form `weights convert` writes).
    public func huggingFaceTensors() -> [(name: String, tensor: Tensor)] {
        typealias N = WeightLayout.HF
        var out: [(String, Tensor)] = []
        func block(_ tower: String, _ i: Int, _ b: TransformerBlockWeights) {
            let p = N.block(tower, i)
            let c = b.ln1Weight.count
            let split = [0, 1, 2].map { j in Tensor(shape: [c, c], data: Array(b.qkvWeight.data[(j * c * c)..<((j + 1) * c * c)])) }
            let splitBias = [0, 1, 2].map { j in Tensor(shape: [c], data: Array(b.qkvBias.data[(j * c)..<((j + 1) * c)])) }
            out += [("\(p).\(N.ln1).weight", b.ln1Weight), ("\(p).\(N.ln1).bias", b.ln1Bias),
                    ("\(p).\(N.ln2).weight", b.ln2Weight), ("\(p).\(N.ln2).bias", b.ln2Bias),
                    ("\(p).\(N.q).weight", split[0]), ("\(p).\(N.k).weight", split[1]), ("\(p).\(N.v).weight", split[2]),
                    ("\(p).\(N.q).bias", splitBias[0]), ("\(p).\(N.k).bias", splitBias[1]), ("\(p).\(N.v).bias", splitBias[2]),
                    ("\(p).\(N.out).weight", b.outWeight), ("\(p).\(N.out).bias", b.outBias),
                    ("\(p).\(N.fc1).weight", b.fc1Weight), ("\(p).\(N.fc1).bias", b.fc1Bias),
                    ("\(p).\(N.fc2).weight", b.fc2Weight), ("\(p).\(N.fc2).bias", b.fc2Bias)]
        }
        out += [(N.patch, vision.patchEmbedding), (N.classEmbedding, vision.classEmbedding), (N.visionPosition, vision.positionEmbedding),
                ("\(N.preNorm).weight", vision.preNormWeight), ("\(N.preNorm).bias", vision.preNormBias)]
        for (i, b) in vision.blocks.enumerated() { block("vision_model", i, b) }
        out += [("\(N.postNorm).weight", vision.postNormWeight), ("\(N.postNorm).bias", vision.postNormBias),
                (N.visualProjection, vision.projection),
                (N.token, text.tokenEmbedding), (N.textPosition, text.positionEmbedding)]
        for (i, b) in text.blocks.enumerated() { block("text_model", i, b) }
        out += [("\(N.finalNorm).weight", text.finalNormWeight), ("\(N.finalNorm).bias", text.finalNormBias),
                (N.textProjection, text.projection)]
        if let logitScale { out.append(("logit_scale", Tensor(shape: [], data: [logitScale]))) }
        return out
    }
}

/// Takes tensors by name, checking shapes, and remembers what was taken so leftovers are errors.
struct StrictReader {
    let source: TensorProvider
    private var remaining: Set<String>

    init(source: TensorProvider) {
        self.source = source
        remaining = Set(source.tensorNames)
    }

    mutating func take(_ name: String, _ shape: [Int]) throws -> Tensor {
        guard let found = source.shape(of: name) else { throw CLIPError.missingTensor(path: source.sourcePath, name: name) }
        guard found == shape else { throw CLIPError.shapeMismatch(path: source.sourcePath, name: name, expected: shape, found: found) }
        remaining.remove(name)
        return try source.tensor(name)
    }

    mutating func optionalScalar(_ name: String) throws -> Float? {
        guard let found = source.shape(of: name) else { return nil }
        guard found.reduce(1, *) == 1 else { throw CLIPError.shapeMismatch(path: source.sourcePath, name: name, expected: [], found: found) }
        remaining.remove(name)
        return try source.tensor(name).data[0]
    }

    func finish() throws {
        let extra = remaining.subtracting(WeightLayout.ignorable).sorted()
        if !extra.isEmpty { throw CLIPError.unexpectedTensors(path: source.sourcePath, names: extra) }
    }
}
