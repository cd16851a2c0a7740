import Checkpoint
import FixtureSupport
import Foundation
import XCTest

@testable import CLIP

final class TokenizerTests: XCTestCase {
    /// One tokenizer for the whole class: loading is tested separately.
    private static let shared = Result { try CLIPTokenizer() }
    private func tokenizer() throws -> CLIPTokenizer { try TokenizerTests.shared.get() }

    private struct Prompts: Decodable { let prompts: [String] }
    private struct Cases: Decodable {
        struct Case: Decodable {
            let text: String
            let cleaned: String
            let ids: [Int32]
            let needs_full_ftfy: Bool
        }
        let cases: [Case]
    }

    func testBundledVocabularyShape() throws {
        let v = try tokenizer().vocabulary
        XCTAssertEqual(v.count, BPEVocabulary.clipVocabularySize)
        XCTAssertEqual(v.startOfText, 49406)
        XCTAssertEqual(v.endOfText, 49407)
        XCTAssertEqual(v.tokens[0], "!")
        XCTAssertEqual(v.tokens[256], "!</w>")
        XCTAssertEqual(v.merges.count, BPEVocabulary.clipMergeCount)
    }

    /// The ids of `prompts.json` equal `input_ids` of `reference.safetensors`, in every fixture set.
    func testPromptsMatchEveryFixtureSet() throws {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set found")
        let tok = try tokenizer()
        for dir in sets {
            print("CLIP fixture set: \(dir.path)")
            let prompts = try JSONDecoder().decode(Prompts.self, from: Data(contentsOf: dir.appendingPathComponent("prompts.json"))).prompts
            let reference = try SafetensorsFile(path: dir.appendingPathComponent("reference.safetensors").path)
            let expected = try reference.integers("input_ids")
            XCTAssertEqual(expected.shape[0], prompts.count)
            let contextLength = expected.shape[1]
            let rows = try tok.tokenize(prompts, contextLength: contextLength)
            for (i, row) in rows.enumerated() {
                let want = expected.values[i * contextLength..<(i + 1) * contextLength].map { Int32($0) }
                XCTAssertEqual(row, want, "prompt \(i) \(prompts[i].debugDescription)")
                XCTAssertEqual(CLIPTokenizer.endOfTextIndex(row), want.firstIndex(of: 49407))
            }
        }
    }

    /// The documented reference encoding (data-sources.md, verified there with open_clip).
    func testDocumentedReferenceEncoding() throws {
        let tok = try tokenizer()
        XCTAssertEqual(try tok.tokenize(["a photo of a normal brain MRI"])[0].prefix(9),
                       [49406, 320, 1125, 539, 320, 5967, 4812, 24773, 49407])
        XCTAssertEqual(tok.encode("a photo of a brain MRI with a tumor"), [320, 1125, 539, 320, 4812, 24773, 593, 320, 22616])
        // The two MedVMAD prompts (reference-methods.md §1.4), with their pooled positions.
        let rows = try tok.tokenize(["X X X X X X X X X X X X object.", "X X X X X X X X X X X X abnormal object."])
        XCTAssertEqual(Array(rows[0].prefix(16)), [49406] + [Int32](repeating: 343, count: 12) + [14115, 269, 49407])
        XCTAssertEqual(Array(rows[1].prefix(17)), [49406] + [Int32](repeating: 343, count: 12) + [40934, 14115, 269, 49407])
        XCTAssertEqual(CLIPTokenizer.endOfTextIndex(rows[0]), 15)
        XCTAssertEqual(CLIPTokenizer.endOfTextIndex(rows[1]), 16)
    }

    /// Strings run through OpenAI's tokenizer with the real ftfy and `regex` (Tests/Fixtures/clip-text):
    /// cleaning and ids must match, except where ftfy repairs mojibake, which is not emulated.
    func testCleaningAndIdsMatchOpenAITokenizer() throws {
        // Project data made by make_tokenizer_fixtures.py, not a fixture set: always the in-tree copy.
        let url = Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/clip-text/tokenizer-cases.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        let tok = try tokenizer()
        var skipped = 0
        for c in cases {
            let cleaned = CLIPTextCleaner.clean(c.text)
            if c.needs_full_ftfy {
                skipped += 1
                XCTAssertNotEqual(Array(cleaned.unicodeScalars), Array(c.cleaned.unicodeScalars),
                                  "mojibake case now matches; update the documentation of CLIPTextCleaner")
                continue
            }
            XCTAssertEqual(Array(cleaned.unicodeScalars), Array(c.cleaned.unicodeScalars), "cleaning \(c.text.debugDescription)")
            XCTAssertEqual(tok.encode(c.text), c.ids, "ids of \(c.text.debugDescription)")
        }
        XCTAssertLessThanOrEqual(skipped, 1)
    }

    /// Canonically equivalent but differently spelled pieces keep their own ids (the cache is
    /// keyed by bytes), matching what a fresh tokenizer gives for each.
    func testCanonicallyEquivalentPiecesAreNotConfused() throws {
        // With a "<" present ftfy leaves entities alone; `html.unescape` decodes them after the
        // NFC step, so the two mark orders survive cleaning.
        let first = "< !&#769;&#807;"
        let second = "< !&#807;&#769;"
        let tok = try tokenizer()
        let a = tok.encode(first)
        let b = tok.encode(second)
        let fresh = CLIPTokenizer(vocabulary: tok.vocabulary)
        XCTAssertEqual(fresh.encode(second), b)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(tok.decode(a), CLIPTextCleaner.clean(first) + " ")
        XCTAssertEqual(Array(tok.decode(b).unicodeScalars), Array((CLIPTextCleaner.clean(second) + " ").unicodeScalars))
    }

    func testTruncationAndPadding() throws {
        let tok = try tokenizer()
        let long = String(repeating: "x ", count: 100)
        let rows = try tok.tokenize([long, ""], contextLength: 10)
        XCTAssertEqual(rows[0], [49406] + [Int32](repeating: 343, count: 8) + [49407])
        XCTAssertEqual(rows[1], [49406, 49407] + [Int32](repeating: 0, count: 8))
        XCTAssertThrowsError(try tok.tokenize(["ok", long], contextLength: 10, truncate: false)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .textTooLong(index: 1, tokenCount: 102, contextLength: 10))
        }
        XCTAssertThrowsError(try tok.tokenize(["x"], contextLength: 1))
    }

    /// Decoding gives the cleaned text's pieces, each followed by a space (the `</w>` markers).
    func testDecodeInvertsEncode() throws {
        let tok = try tokenizer()
        let text = "A photo of a damaged liver CT, with a dark spot! Ünïcödé — 中文 🧠 x2"
        let cleaned = Array(CLIPTextCleaner.clean(text).unicodeScalars)
        let pieces = CLIPPreTokenizer.split(cleaned).map { String(String.UnicodeScalarView(cleaned[$0])) }
        XCTAssertEqual(tok.decode(tok.encode(text)), pieces.map { $0 + " " }.joined())
    }

    /// A Hugging Face `vocab.json` + `merges.txt` pair written from the bundled merges loads into
    /// the same vocabulary and ids. (The first 5,000 merges only, to keep the debug-build test
    /// fast; the full vocabulary is checked against the fixtures above.)
    func testHuggingFaceFilesGiveTheSameIds() throws {
        let count = 5_000
        let gz = try XCTUnwrap(Bundle.module.url(forResource: "bpe_simple_vocab_16e6.txt", withExtension: "gz"))
        let reference = CLIPTokenizer(vocabulary: try BPEVocabulary.clip(contentsOf: gz, mergeCount: count))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-hf-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var vocab: [String: Int] = [:]
        for (i, t) in reference.vocabulary.tokens.enumerated() { vocab[t] = i }
        try JSONSerialization.data(withJSONObject: vocab).write(to: dir.appendingPathComponent("vocab.json"))
        let text = try Gunzip.decompress([UInt8](Data(contentsOf: gz)), path: gz.path, stopAfterLines: count + 1)
        let lines = text.split(separator: UInt8(ascii: "\n"), maxSplits: count + 1, omittingEmptySubsequences: false)
        let merges = "#version: 0.2\n" + lines[1...count].map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n") + "\n"
        try Data(merges.utf8).write(to: dir.appendingPathComponent("merges.txt"))
        let hf = CLIPTokenizer(vocabulary: try BPEVocabulary.huggingFace(
            vocabulary: dir.appendingPathComponent("vocab.json"), merges: dir.appendingPathComponent("merges.txt")))
        XCTAssertEqual(hf.vocabulary.tokens, reference.vocabulary.tokens)
        XCTAssertEqual(hf.vocabulary.endOfText, Int32(512 + count + 1))
        for text in ["a photo of a normal brain MRI", "Ünïcödé façade — naïve café", "hyper-intense T2/FLAIR lesion"] {
            let ids = hf.encode(text)
            XCTAssertEqual(ids, reference.encode(text))
            XCTAssertGreaterThan(ids.count, 3)
        }
    }

    func testNotAVocabularyGivesErrorNamingTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A PNG is not gzip.
        let notGzip = dir.appendingPathComponent("not-gzip.gz")
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4]).write(to: notGzip)
        XCTAssertThrowsError(try BPEVocabulary.clip(contentsOf: notGzip)) { error in
            guard case let CLIPTokenizerError.corruptArchive(path, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, notGzip.path)
        }
        // Valid gzip, wrong header; valid header, too few merges; a malformed merge line.
        for (name, body, expectReason) in [
            ("wrong-header.txt.gz", "hello world\ni n\n", "header"),
            ("few-merges.txt.gz", "\"x.txt#version: 0.2\ni n\nt h\n", "merge lines"),
            ("bad-line.txt.gz", "#version: 0.2\ni n\nthree part line\n", "line 3"),
        ] {
            let url = dir.appendingPathComponent(name)
            try Data(gzip(Array(body.utf8))).write(to: url)
            let mergeCount = name == "bad-line.txt.gz" ? 2 : BPEVocabulary.clipMergeCount
            XCTAssertThrowsError(try BPEVocabulary.clip(contentsOf: url, mergeCount: mergeCount)) { error in
                guard case let CLIPTokenizerError.notCLIPVocabulary(path, reason) = error else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(path, url.path)
                XCTAssertTrue(reason.contains(expectReason), reason)
                XCTAssertTrue("\(error)".contains(url.path))
            }
        }
        // A truncated copy of the real file.
        let gz = try XCTUnwrap(Bundle.module.url(forResource: "bpe_simple_vocab_16e6.txt", withExtension: "gz"))
        let truncated = dir.appendingPathComponent("truncated.gz")
        try Data(contentsOf: gz).prefix(100_000).write(to: truncated)
        XCTAssertThrowsError(try BPEVocabulary.clip(contentsOf: truncated)) { error in
            guard case let CLIPTokenizerError.corruptArchive(path, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, truncated.path)
        }
        let missing = dir.appendingPathComponent("missing.gz")
        XCTAssertThrowsError(try BPEVocabulary.clip(contentsOf: missing)) { error in
            guard case let CLIPTokenizerError.unreadable(path, _) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(path, missing.path)
        }
    }

    func testLoadingIsFast() throws {
        let start = Date()
        _ = try BPEVocabulary.bundled()
        let seconds = Date().timeIntervalSince(start)
        print("vocabulary load: \(String(format: "%.3f", seconds)) s")
        // Generous bound for a debug build on a shared 2-core machine; release takes a fraction.
        XCTAssertLessThan(seconds, 5)
    }

    /// Minimal gzip writer for the tests (stored deflate blocks are enough).
    private func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        out += [1, UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8), UInt8(~bytes.count & 0xFF), UInt8((~bytes.count >> 8) & 0xFF)]
        out += bytes
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        crc = ~crc
        for v in [crc, UInt32(bytes.count)] { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        return out
    }
}
