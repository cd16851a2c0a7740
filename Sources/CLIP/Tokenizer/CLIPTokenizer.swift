import Foundation

/// OpenAI CLIP's byte-level BPE tokenizer (`SimpleTokenizer`): clean the text
/// (`CLIPTextCleaner`), split it with CLIP's pattern, UTF-8 encode each piece, map the bytes to
/// the BPE alphabet and apply the merges by rank.
public struct CLIPTokenizer: Sendable {
    /// The context length of CLIP's text encoder.
    public static let defaultContextLength = 77
    /// Id used to pad sequences after the end-of-text token.
    public static let paddingID: Int32 = 0

    /// Tokens and merges.
    public let vocabulary: BPEVocabulary
    private let cache: BPECache

    /// A tokenizer over `vocabulary`.
    public init(vocabulary: BPEVocabulary) {
        self.vocabulary = vocabulary
        self.cache = BPECache()
    }

    /// A tokenizer over the vocabulary shipped with the CLIP module.
    public init() throws {
        self.init(vocabulary: try BPEVocabulary.bundled())
    }

    /// Token ids of `text`, without start and end tokens (OpenAI's `SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int32] {
        let cleaned = Array(CLIPTextCleaner.clean(text).unicodeScalars)
        var ids: [Int32] = []
        for range in CLIPPreTokenizer.split(cleaned) {
            let piece = String(String.UnicodeScalarView(cleaned[range]))
            if piece == BPEVocabulary.startOfTextToken {
                ids.append(vocabulary.startOfText)
            } else if piece == BPEVocabulary.endOfTextToken {
                ids.append(vocabulary.endOfText)
            } else {
                let bytes = Array(piece.utf8)
                if let cached = cache.lookup(bytes) {
                    ids += cached
                } else {
                    let encoded = bytePairEncode(bytes)
                    cache.store(bytes, encoded)
                    ids += encoded
                }
            }
        }
        return ids
    }

    /// Fixed-length id rows: start token, the text's ids, end token, then `paddingID` up to
    /// `contextLength`. Longer texts are cut to `contextLength` with the end token kept last when
    /// `truncate` is set (open_clip's behaviour, OpenAI's `truncate=True`); otherwise they throw.
    public func tokenize(_ texts: [String], contextLength: Int = defaultContextLength, truncate: Bool = true) throws -> [[Int32]] {
        guard contextLength >= 2 else { throw CLIPTokenizerError.invalidContextLength(contextLength) }
        return try texts.enumerated().map { index, text in
            var row = [vocabulary.startOfText] + encode(text) + [vocabulary.endOfText]
            if row.count > contextLength {
                guard truncate else {
                    throw CLIPTokenizerError.textTooLong(index: index, tokenCount: row.count, contextLength: contextLength)
                }
                row.removeLast(row.count - contextLength)
                row[contextLength - 1] = vocabulary.endOfText
            }
            return row + [Int32](repeating: CLIPTokenizer.paddingID, count: contextLength - row.count)
        }
    }

    /// The position the text encoder pools: the first position of the largest id, which is the
    /// end-of-text token (the reference takes `argmax` of the ids). Nil for an empty row.
    public static func endOfTextIndex(_ ids: [Int32]) -> Int? {
        guard var best = ids.first else { return nil }
        var index = 0
        for (i, id) in ids.enumerated() where id > best {
            best = id
            index = i
        }
        return index
    }

    /// The text of `ids`: token strings joined, mapped back to bytes, decoded as UTF-8 (invalid
    /// sequences replaced), `</w>` → space. Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            for c in vocabulary.tokens[Int(id)].unicodeScalars {
                let b = c.value < 0x200 ? ByteEncoder.byteOfScalar[Int(c.value)] : -1
                if b >= 0 { bytes.append(UInt8(b)) } else { bytes += Array(String(c).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "</w>", with: " ")
    }

    /// BPE of one piece's bytes: start from one symbol per byte (the last one word-final), then
    /// repeatedly merge every occurrence of the adjacent pair with the lowest rank.
    func bytePairEncode(_ bytes: [UInt8]) -> [Int32] {
        guard let last = bytes.last else { return [] }
        var word = bytes.dropLast().map { vocabulary.byteIDs[Int($0)] }
        word.append(vocabulary.finalByteIDs[Int(last)])
        let merges = vocabulary.merges
        while word.count > 1 {
            var best: BPEVocabulary.Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for i in 0..<(word.count - 1) {
                if let m = merges[BPEVocabulary.pairKey(word[i], word[i + 1])], m.rank < (best?.rank ?? .max) {
                    best = m
                    bestLeft = word[i]
                    bestRight = word[i + 1]
                }
            }
            guard let merge = best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && word[i] == bestLeft && word[i + 1] == bestRight {
                    merged.append(merge.merged)
                    i += 2
                } else {
                    merged.append(word[i])
                    i += 1
                }
            }
            word = merged
        }
        return word
    }
}
