import FixtureSupport
import Foundation
import Tensor
import XCTest
@testable import Checkpoint

/// Hand-built archives and pickles: views, TorchScript module trees, and hostile or broken input.
/// Every file is written byte by byte here; nothing runs Python.
final class CheckpointArchiveCraftedTests: XCTestCase {
    private var cleanup: [String] = []

    override func tearDown() {
        for p in cleanup { try? FileManager.default.removeItem(atPath: p) }
        cleanup = []
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        cleanup.append(path)
        return path
    }

    /// A PyTorch-style archive: `archive/data.pkl` plus storages `archive/data/<key>`.
    private func archive(_ pickle: PickleBuilder, storages: [(String, [UInt8])], extra: [(String, [UInt8])] = []) -> [UInt8] {
        var zip = ZipBuilder()
        zip.add("archive/data.pkl", pickle.bytes)
        zip.add("archive/byteorder", Array("little".utf8))
        for (key, data) in storages { zip.add("archive/data/\(key)", data) }
        for (name, data) in extra { zip.add("archive/\(name)", data) }
        return zip.bytes()
    }

    private func assertError(_ path: String, file: StaticString = #filePath, line: UInt = #line,
                             _ check: (CheckpointError) -> Bool) {
        XCTAssertThrowsError(try CheckpointArchive.open(path: path), file: file, line: line) { error in
            guard let e = error as? CheckpointError else { return XCTFail("not a CheckpointError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
            XCTAssertTrue("\(e)".contains(path), "error does not name the file: \(e)", file: file, line: line)
        }
    }

    // MARK: - Valid archives

    func testStateDictWithViewsOffsetsIntegersAndNesting() throws {
        // storage 0: 12 float32 values 0, 1, …, 11 (shared by two views);
        // storage 1: int64 ids, including values beyond float32's exact range.
        let values = (0..<12).map(Float.init)
        let ids: [Int64] = [49406, 320, 1_234_567_891_234, -5, 0, 49407]
        var p = PickleBuilder()
        p.emptyDict()
        p.mark()
        p.string("encoder")
        p.emptyDict()
        p.mark()
        // A 2×3 transposed view starting at element 2: element (i, j) = storage[2 + i + 4j].
        p.string("w_t")
        p.tensor(storageType: "FloatStorage", key: "0", numel: 12, offset: 2, shape: [2, 3], strides: [1, 4])
        p.string("row")  // storage[4…7]
        p.tensor(storageType: "FloatStorage", key: "0", numel: 12, offset: 4, shape: [4], strides: [1])
        p.setItems()
        p.string("tokenized_prompts")
        p.tensor(storageType: "LongStorage", key: "1", numel: 6, shape: [2, 3], strides: [3, 1])
        p.string("epoch")
        p.int(7)
        p.setItems()
        p.stop()
        let path = try write(archive(p, storages: [("0", float32Bytes(values)), ("1", littleEndianBytes(ids))]), "views.pt")

        let ckpt = try CheckpointArchive.open(path: path)
        XCTAssertEqual(ckpt.format, .torchZip)
        XCTAssertEqual(ckpt.names, ["encoder.w_t", "encoder.row", "tokenized_prompts"])
        XCTAssertEqual(ckpt.scalars, ["epoch": .int(7)])
        // Expected values computed from the stride formula, independently of the reader.
        var expectedT: [Float] = []
        for i in 0..<2 { for j in 0..<3 { expectedT.append(values[2 + i + 4 * j]) } }
        XCTAssertEqual(try ckpt.tensor("encoder.w_t"), Tensor(shape: [2, 3], data: expectedT))
        XCTAssertEqual(try ckpt.tensor("encoder.row").data, Array(values[4..<8]))
        let ints = try ckpt.integers("tokenized_prompts")
        XCTAssertEqual(ints.shape, [2, 3])
        XCTAssertEqual(ints.values, ids.map(Int.init))
        XCTAssertEqual(ckpt.entry("tokenized_prompts")?.dtype, .int64)
        XCTAssertThrowsError(try ckpt.integers("encoder.row"))
        XCTAssertThrowsError(try ckpt.tensor("nope")) { XCTAssertTrue("\($0)".contains("nope")) }
    }

    func testTorchScriptModuleTreeFlattensToStateDictNamesAndReportsScalars() throws {
        // CLIP(input_resolution=tensor(336), context_length=77, vocab_size=tensor(49408),
        //      visual=VisionTransformer(proj=float16 [2,2] stored transposed, training=True), training=False)
        let proj: [Float] = [0.5, -1.25, 3.0, 0.099975586]  // exactly representable in float16
        var p = PickleBuilder()
        p.global("__torch__.openai_clip_model", "CLIP")
        p.emptyTuple()
        p.newObj()
        p.emptyDict()
        p.mark()
        p.string("training")
        p.bool(false)
        p.string("input_resolution")
        p.tensor(storageType: "LongStorage", key: "0", numel: 1, shape: [], strides: [])
        p.string("context_length")
        p.int(77)
        p.string("vocab_size")
        p.tensor(storageType: "LongStorage", key: "1", numel: 1, shape: [], strides: [])
        p.string("visual")
        p.global("__torch__.openai_clip_model.___torch_mangle_3", "VisionTransformer")
        p.emptyTuple()
        p.newObj()
        p.emptyDict()
        p.mark()
        p.string("proj")
        p.tensor(storageType: "HalfStorage", key: "2", numel: 4, shape: [2, 2], strides: [1, 2])
        p.string("training")
        p.bool(true)
        p.string("_is_full_backward_hook")
        p.none()
        p.setItems()
        p.build()
        p.setItems()
        p.build()
        p.stop()
        let path = try write(
            archive(p, storages: [("0", littleEndianBytes([Int64(336)])), ("1", littleEndianBytes([Int64(49408)])), ("2", float16Bytes(proj))],
                    extra: [("constants.pkl", [0x80, 0x02, 0x29, 0x2E])]),
            "script.pt")

        let ckpt = try CheckpointArchive.open(path: path)
        XCTAssertEqual(ckpt.format, .torchScript)
        XCTAssertEqual(ckpt.names, ["visual.proj"])
        XCTAssertEqual(ckpt.scalars, ["input_resolution": .int(336), "context_length": .int(77), "vocab_size": .int(49408)])
        XCTAssertEqual(ckpt.entry("visual.proj")?.dtype, .float16)
        // Stored column-major: element (i, j) = proj[i + 2j].
        XCTAssertEqual(try ckpt.tensor("visual.proj").data, [proj[0], proj[2], proj[1], proj[3]])
    }

    func testDeflatedEntriesAreInflatedAndChecked() throws {
        let p = PickleBuilder.oneTensorDict("w", storageType: "FloatStorage", key: "0", numel: 3, shape: [3], strides: [1])
        let values: [Float] = [1.5, -2, 1e-3]
        var zip = ZipBuilder()
        zip.items.append(.init(name: "archive/data.pkl", data: p.bytes, deflated: ZipBuilder.storedDeflate(p.bytes)))
        let storage = float32Bytes(values)
        zip.items.append(.init(name: "archive/data/0", data: storage, deflated: ZipBuilder.storedDeflate(storage)))
        let good = try write(zip.bytes(), "deflate.pt")
        XCTAssertEqual(try CheckpointArchive.open(path: good).tensor("w").data, values)

        // An entry that inflates to more than it declares (a decompression bomb's trick) is refused.
        zip.items[0].declaredSize = p.bytes.count - 5
        let bomb = try write(zip.bytes(), "bomb.pt")
        assertError(bomb) { if case .corrupt(_, let r) = $0 { return r.contains("more than its declared") } else { return false } }

        // A wrong CRC-32 on the pickle is caught.
        zip.items[0].declaredSize = nil
        zip.items[0].crc = ZipBuilder.crc32(p.bytes) ^ 1
        let badCRC = try write(zip.bytes(), "crc.pt")
        assertError(badCRC) { if case .corrupt(_, let r) = $0 { return r.contains("CRC-32") } else { return false } }
    }

    // MARK: - Hostile and broken input

    func testMaliciousGlobalIsRefusedAndNothingRuns() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("medvmad-pwned-\(UUID().uuidString)").path
        // os.system('touch <marker>') via GLOBAL + REDUCE, the classic pickle exploit.
        var p = PickleBuilder()
        p.global("os", "system")
        p.string("touch \(marker)")
        p.op(0x85)  // TUPLE1
        p.reduce()
        p.stop()
        let path = try write(archive(p, storages: []), "evil.pt")
        assertError(path) { $0 == .forbiddenGlobal(path: path, global: "os.system") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the pickle's command ran")

        // builtins.eval through protocol 4's STACK_GLOBAL, hidden inside an otherwise valid state dict.
        var q = PickleBuilder()
        q.emptyDict()
        q.mark()
        q.string("w")
        q.tensor(storageType: "FloatStorage", key: "0", numel: 1, shape: [1], strides: [1])
        q.string("x")
        q.shortString("builtins")
        q.shortString("eval")
        q.op(0x93)  // STACK_GLOBAL
        q.string("__import__('os').system('touch \(marker)')")
        q.op(0x85)  // TUPLE1
        q.reduce()
        q.setItems()
        q.stop()
        let path2 = try write(archive(q, storages: [("0", float32Bytes([1]))]), "evil2.pt")
        assertError(path2) { $0 == .forbiddenGlobal(path: path2, global: "builtins.eval") }

        var r = PickleBuilder()
        r.global("subprocess", "Popen")
        r.stop()
        let path3 = try write(archive(r, storages: []), "evil3.pt")
        assertError(path3) { $0 == .forbiddenGlobal(path: path3, global: "subprocess.Popen") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
    }

    func testMissingStorageIsNamed() throws {
        let p = PickleBuilder.oneTensorDict("w", storageType: "FloatStorage", key: "7", numel: 4, shape: [4], strides: [1])
        let path = try write(archive(p, storages: [("0", float32Bytes([1, 2, 3, 4]))]), "missing.pt")
        assertError(path) { if case .corrupt(_, let r) = $0 { return r.contains("'7'") } else { return false } }
    }

    func testViewPastItsStorageAndUnknownDTypeAreRefused() throws {
        let p = PickleBuilder.oneTensorDict("w", storageType: "FloatStorage", key: "0", numel: 4, offset: 1, shape: [2, 2], strides: [2, 1])
        let path = try write(archive(p, storages: [("0", float32Bytes([1, 2, 3, 4]))]), "overrun.pt")
        assertError(path) { if case .corrupt(_, let r) = $0 { return r.contains("'w'") && r.contains("past its storage") } else { return false } }

        // A storage record shorter than its declared element count.
        let q = PickleBuilder.oneTensorDict("w", storageType: "FloatStorage", key: "0", numel: 8, shape: [8], strides: [1])
        let short = try write(archive(q, storages: [("0", float32Bytes([1, 2, 3, 4]))]), "short.pt")
        assertError(short) { if case .corrupt = $0 { return true } else { return false } }

        let c = PickleBuilder.oneTensorDict("z", storageType: "ComplexFloatStorage", key: "0", numel: 2, shape: [2], strides: [1])
        let complex = try write(archive(c, storages: [("0", [UInt8](repeating: 0, count: 16))]), "complex.pt")
        assertError(complex) { $0 == .unsupportedDType(path: complex, tensor: "z", dtype: "ComplexFloatStorage") }
    }

    func testTruncatedArchiveIsACorruptError() throws {
        let sets = Fixtures.clipSets
        XCTAssertFalse(sets.isEmpty, "no CLIP fixture set under \(Fixtures.roots.map(\.path))")
        for dir in sets {
            let source = dir.appendingPathComponent("state-dict.pt")
            print("checked fixture: \(source.path)")
            let bytes = [UInt8](try Data(contentsOf: source))
            for keep in [bytes.count - 7, bytes.count / 2, 100, 3] {
                let path = try write(Array(bytes.prefix(keep)), "trunc-\(keep).pt")
                assertError(path) { if case .corrupt = $0 { return true } else { return false } }
            }
        }
    }

    func testCorruptZipStructuresAreRefused() throws {
        var p = PickleBuilder()
        p.emptyDict()
        p.stop()
        let good = archive(p, storages: [])
        XCTAssertEqual(try CheckpointArchive.open(path: try write(good, "empty.pt")).names, [])

        // Central directory signature damaged.
        var bad = good
        let cd = Int(UInt32(bad[bad.count - 6]) | UInt32(bad[bad.count - 5]) << 8 | UInt32(bad[bad.count - 4]) << 16 | UInt32(bad[bad.count - 3]) << 24)
        bad[cd] ^= 0xFF
        let path = try write(bad, "cd.pt")
        assertError(path) { if case .corrupt(_, let r) = $0 { return r.contains("central directory") } else { return false } }

        // Central directory offset pointing past the end record.
        var off = good
        off[off.count - 3] = 0x7F
        let path2 = try write(off, "offset.pt")
        assertError(path2) { if case .corrupt = $0 { return true } else { return false } }

        // Entry count saturated: the real values would be in a ZIP64 record, which is refused.
        var z64 = good
        z64[z64.count - 12] = 0xFF
        z64[z64.count - 11] = 0xFF
        z64[z64.count - 14] = 0xFF
        z64[z64.count - 13] = 0xFF
        let path3 = try write(z64, "zip64.pt")
        assertError(path3) { if case .unsupportedFormat(_, let r) = $0 { return r.contains("ZIP64") } else { return false } }

        // A pickle cut short inside a valid archive.
        var cut = PickleBuilder()
        cut.emptyDict()
        cut.string("w")
        let path4 = try write(archive(cut, storages: []), "cut.pt")
        assertError(path4) { if case .corrupt(_, let r) = $0 { return r.contains("truncated") } else { return false } }
    }

    func testLegacyAndUnknownFormatsAreExplained() throws {
        // The pre-1.6 torch.save stream starts with protocol 2 and the LONG1 magic number 0x1950a86a20f9469cfc6c.
        let legacy: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
            + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        let path = try write(legacy, "legacy.pt")
        assertError(path) { if case .unsupportedFormat(_, let r) = $0 { return r.contains("torch>=1.6") && r.contains("legacy") } else { return false } }

        let path2 = try write(Array("hello, this is not a checkpoint".utf8), "text.pt")
        assertError(path2) { if case .unsupportedFormat = $0 { return true } else { return false } }
        let path3 = try write([], "empty.bin")
        assertError(path3) { if case .corrupt = $0 { return true } else { return false } }
    }

    func testPickleLimitsAreEnforced() throws {
        var p = PickleBuilder()
        p.emptyDict()
        for i in 0..<10 {
            p.string("k\(i)")
            p.put(UInt8(i))
            p.op(0x30)  // POP
        }
        p.stop()
        let path = try write(archive(p, storages: []), "memo.pt")
        XCTAssertNoThrow(try CheckpointArchive.open(path: path))
        var tight = PickleLimits()
        tight.maxMemoEntries = 5
        XCTAssertThrowsError(try CheckpointArchive.open(path: path, limits: tight)) { error in
            guard case CheckpointError.resourceLimit(let p, let r) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(r.contains("memo"), r)
        }

        // Deep nesting: 40 dictionaries inside each other.
        var d = PickleBuilder()
        for i in 0..<40 {
            d.emptyDict()
            d.string("level\(i)")
        }
        d.int(1)
        for _ in 0..<40 { d.setItem() }
        d.stop()
        let deep = try write(archive(d, storages: []), "deep.pt")
        let ok = try CheckpointArchive.open(path: deep)
        XCTAssertEqual(ok.scalars.count, 1)
        var shallow = PickleLimits()
        shallow.maxNesting = 10
        XCTAssertThrowsError(try CheckpointArchive.open(path: deep, limits: shallow)) { error in
            guard case CheckpointError.resourceLimit = error else { return XCTFail("\(error)") }
        }
        shallow = PickleLimits()
        shallow.maxStackDepth = 20
        XCTAssertThrowsError(try CheckpointArchive.open(path: deep, limits: shallow)) { error in
            guard case CheckpointError.resourceLimit(_, let r) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(r.contains("stack"), r)
        }

        // A list that contains itself (memo reference to the container being built).
        var c = PickleBuilder()
        c.op(0x5D)  // EMPTY_LIST
        c.put(0)
        c.get(0)
        c.op(0x61)  // APPEND
        c.stop()
        let cyclic = try write(archive(c, storages: []), "cycle.pt")
        assertError(cyclic) { if case .corrupt(_, let r) = $0 { return r.contains("contains itself") } else { return false } }
    }
}
