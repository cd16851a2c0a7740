import Foundation

/// A byte-level BPE vocabulary: token strings with their ids and the ranked merges, in the form
/// OpenAI's CLIP tokenizer builds them.
///
/// Token strings are written in the byte-to-character alphabet of `ByteEncoder`; a trailing
/// `</w>` marks the end of a word. The merge loop works on ids: a merge joins two tokens into the
/// token spelled by their concatenation, so comparing ids is the same as comparing strings.
public struct BPEVocabulary: Sendable {
    /// Merge lines CLIP uses from `bpe_simple_vocab_16e6.txt.gz`: 49,152 − 256 − 2.
    public static let clipMergeCount = 48_894
    /// 256 bytes + 256 bytes with `</w>` + merges + 2 special tokens.
    public static let clipVocabularySize = 49_408
    /// The start-of-text token's spelling (OpenAI's; open_clip spells it `<start_of_text>`, same id).
    public static let startOfTextToken = "<|startoftext|>"
    /// The end-of-text token's spelling.
    public static let endOfTextToken = "<|endoftext|>"
    /// Name of the vocabulary file shipped as a resource of the CLIP module.
    public static let bundledResourceName = "bpe_simple_vocab_16e6.txt.gz"

    struct Merge: Sendable {
        let rank: Int32
        let merged: Int32
    }

    /// Token string of each id.
    public let tokens: [String]
    /// Id of the start-of-text token (49406 in CLIP).
    public let startOfText: Int32
    /// Id of the end-of-text token (49407 in CLIP), also the largest id.
    public let endOfText: Int32
    /// Id of each byte as a word-inner symbol, and as a word-final symbol (with `</w>`).
    let byteIDs: [Int32]
    let finalByteIDs: [Int32]
    /// Merges keyed by the two ids packed as `left << 32 | right`.
    let merges: [UInt64: Merge]

    /// Number of tokens.
    public var count: Int { tokens.count }

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Builds the tables from `table` (token bytes by id) and `mergeList` (pairs of token byte
    /// ranges in `source`, by rank). `path` names the source in errors.
    init(table: TokenTable, mergeList: [(Range<Int>, Range<Int>)], source: [UInt8], path: String) throws {
        func id(_ token: [UInt8]) throws -> Int32 {
            guard let id = table.id(of: token[...]) else {
                throw CLIPTokenizerError.notCLIPVocabulary(
                    path: path, reason: "token \(String(decoding: token, as: UTF8.self).debugDescription) is missing")
            }
            return id
        }
        let endOfWord = Array("</w>".utf8)
        var byteIDs = [Int32](repeating: 0, count: 256)
        var finalByteIDs = [Int32](repeating: 0, count: 256)
        for b in 0..<256 {
            let symbol = Array(String(ByteEncoder.character(for: UInt8(b))).utf8)
            byteIDs[b] = try id(symbol)
            finalByteIDs[b] = try id(symbol + endOfWord)
        }
        var merges = [UInt64: Merge](minimumCapacity: mergeList.count)
        for (rank, (left, right)) in mergeList.enumerated() {
            // A merge whose parts are not tokens can never fire (every symbol in a word is a token).
            guard let l = table.id(of: source[left]), let r = table.id(of: source[right]),
                  let m = table.id(ofConcatenation: Int(l), Int(r)) else { continue }
            // Later duplicates win, as in the reference's dict(zip(merges, range(...))).
            merges[BPEVocabulary.pairKey(l, r)] = Merge(rank: Int32(rank), merged: m)
        }
        self.tokens = (0..<table.count).map { String(decoding: table.token($0), as: UTF8.self) }
        self.startOfText = try id(Array(BPEVocabulary.startOfTextToken.utf8))
        self.endOfText = try id(Array(BPEVocabulary.endOfTextToken.utf8))
        self.byteIDs = byteIDs
        self.finalByteIDs = finalByteIDs
        self.merges = merges
    }

    /// The vocabulary shipped with the CLIP module (`bpe_simple_vocab_16e6.txt.gz`).
    public static func bundled() throws -> BPEVocabulary {
        let name = bundledResourceName
        let stem = String(name.dropLast(".gz".count))
        guard let url = Bundle.module.url(forResource: stem, withExtension: "gz")
            ?? Bundle.module.url(forResource: name, withExtension: nil) else {
            throw CLIPTokenizerError.missingResource(name: name)
        }
        return try clip(contentsOf: url)
    }

    /// Loads OpenAI's gzipped merges file (`bpe_simple_vocab_16e6.txt.gz`), building the vocabulary
    /// the way OpenAI's `SimpleTokenizer` does: the 256 byte symbols (in `ByteEncoder` order), the
    /// same with `</w>`, one token per merge (the first `mergeCount` merge lines after the header),
    /// then `<|startoftext|>` and `<|endoftext|>`.
    ///
    /// Throws `notCLIPVocabulary` naming the file when the header is not a `#version:` line, a
    /// merge line does not hold exactly two symbols, or there are fewer than `mergeCount` merges.
    public static func clip(contentsOf url: URL, mergeCount: Int = clipMergeCount) throws -> BPEVocabulary {
        let path = url.path
        let compressed: [UInt8]
        do {
            compressed = try [UInt8](Data(contentsOf: url))
        } catch {
            throw CLIPTokenizerError.unreadable(path: path, reason: error.localizedDescription)
        }
        let text = try Gunzip.decompress(compressed, path: path, stopAfterLines: mergeCount + 1)
        let lines = try splitLines(text, first: mergeCount + 1, path: path)
        guard let header = lines.first, String(decoding: text[header], as: UTF8.self).contains("#version:") else {
            throw CLIPTokenizerError.notCLIPVocabulary(path: path, reason: "first line is not a '#version:' header")
        }
        guard lines.count == mergeCount + 1 else {
            throw CLIPTokenizerError.notCLIPVocabulary(
                path: path, reason: "holds \(lines.count - 1) merge lines, CLIP needs \(mergeCount)")
        }
        let mergeList = try parseMerges(lines.dropFirst(), in: text, firstLineNumber: 2, path: path)
        var table = TokenTable(expectedCount: 512 + mergeCount + 2, expectedBytes: text.count)
        let symbols = ByteEncoder.characters.map { Array(String($0).utf8) }
        for symbol in symbols { table.append(symbol[...]) }
        for symbol in symbols { table.append(symbol[...], Array("</w>".utf8)[...]) }
        for (left, right) in mergeList { table.append(text[left], text[right]) }
        table.append(Array(startOfTextToken.utf8)[...])
        table.append(Array(endOfTextToken.utf8)[...])
        return try BPEVocabulary(table: table, mergeList: mergeList, source: text, path: path)
    }

    /// Loads a Hugging Face tokenizer's `vocab.json` (token → id) and `merges.txt` (an optional
    /// `#version:` line, then one merge per line, by rank).
    public static func huggingFace(vocabulary vocabURL: URL, merges mergesURL: URL) throws -> BPEVocabulary {
        let vocabPath = vocabURL.path
        let data: Data
        do { data = try Data(contentsOf: vocabURL) } catch {
            throw CLIPTokenizerError.unreadable(path: vocabPath, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw CLIPTokenizerError.notCLIPVocabulary(path: vocabPath, reason: "not a JSON object of token ids")
        }
        var byID = [String?](repeating: nil, count: dict.count)
        for (token, value) in dict {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0, id < dict.count else {
                throw CLIPTokenizerError.notCLIPVocabulary(path: vocabPath, reason: "token \(token.debugDescription) has id \(value), not in 0..<\(dict.count)")
            }
            guard byID[id] == nil else {
                throw CLIPTokenizerError.notCLIPVocabulary(path: vocabPath, reason: "id \(id) is used twice")
            }
            byID[id] = token
        }
        var table = TokenTable(expectedCount: dict.count, expectedBytes: dict.count * 8)
        for token in byID { table.append(Array((token ?? "").utf8)[...]) }
        let mergesPath = mergesURL.path
        let mergeBytes: [UInt8]
        do { mergeBytes = try [UInt8](Data(contentsOf: mergesURL)) } catch {
            throw CLIPTokenizerError.unreadable(path: mergesPath, reason: error.localizedDescription)
        }
        var lines = try splitLines(mergeBytes, first: Int.max, path: mergesPath)
        var firstLineNumber = 1
        if let first = lines.first, mergeBytes[first].starts(with: Array("#version".utf8)) {
            lines.removeFirst()
            firstLineNumber = 2
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        let mergeList = try parseMerges(lines[...], in: mergeBytes, firstLineNumber: firstLineNumber, path: mergesPath)
        return try BPEVocabulary(table: table, mergeList: mergeList, source: mergeBytes, path: vocabPath)
    }

    /// The byte ranges of the first `first` lines of UTF-8 text split at `\n` (as Python's
    /// `split('\n')`).
    private static func splitLines(_ bytes: [UInt8], first limit: Int, path: String) throws -> [Range<Int>] {
        var lines: [Range<Int>] = []
        lines.reserveCapacity(min(limit, 1 << 16))
        try bytes.withUnsafeBufferPointer { buf in
            var start = 0
            while lines.count < limit {
                var end = start
                while end < buf.count && buf[end] != UInt8(ascii: "\n") { end += 1 }
                lines.append(start..<end)
                if end >= buf.count { break }
                start = end + 1
            }
            if let last = lines.last, String(validating: UnsafeBufferPointer(rebasing: buf[0..<last.upperBound]), as: UTF8.self) == nil {
                throw CLIPTokenizerError.notCLIPVocabulary(path: path, reason: "not valid UTF-8 text")
            }
        }
        return lines
    }

    /// Merge lines as byte ranges of their two symbols. The BPE alphabet has no whitespace, so
    /// splitting at spaces (and a stray carriage return) is Python's `str.split()` here.
    private static func parseMerges(_ lines: ArraySlice<Range<Int>>, in bytes: [UInt8], firstLineNumber: Int,
                                    path: String) throws -> [(Range<Int>, Range<Int>)] {
        var out: [(Range<Int>, Range<Int>)] = []
        out.reserveCapacity(lines.count)
        try bytes.withUnsafeBufferPointer { buf in
            func isSeparator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0D || b == 0x09 }
            for (offset, line) in lines.enumerated() {
                // Exactly two fields: skip separators, field, separators, field, separators, end.
                var i = line.lowerBound
                let end = line.upperBound
                while i < end && isSeparator(buf[i]) { i += 1 }
                let leftStart = i
                while i < end && !isSeparator(buf[i]) { i += 1 }
                let left = leftStart..<i
                while i < end && isSeparator(buf[i]) { i += 1 }
                let rightStart = i
                while i < end && !isSeparator(buf[i]) { i += 1 }
                let right = rightStart..<i
                while i < end && isSeparator(buf[i]) { i += 1 }
                guard !left.isEmpty, !right.isEmpty, i == end else {
                    throw CLIPTokenizerError.notCLIPVocabulary(
                        path: path, reason: "line \(firstLineNumber + offset) is \(String(decoding: bytes[line], as: UTF8.self).debugDescription), not two symbols")
                }
                out.append((left, right))
            }
        }
        return out
    }
}
